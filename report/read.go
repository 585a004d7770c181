package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed result.v1.schema.json
var schemaV1 []byte

var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaV1))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("result.v1.schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("result.v1.schema.json")
})

// ReadResultFile reads the JSON result in file (ReadResult).
func ReadResultFile(file string) (*Result, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ReadResult(file, data)
}

// ReadResult reads a JSON result that qreview wrote (--format json),
// checked against the v1 schema so that a report is never rendered from
// something else. Errors start with name (the file), and say what is
// wrong and where.
func ReadResult(name string, data []byte) (*Result, error) {
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			line, col := position(data, syntax.Offset)
			return nil, fmt.Errorf("%s:%d:%d: not JSON: %v", name, line, col, err)
		}
		return nil, fmt.Errorf("%s: not JSON: %w", name, err)
	}
	obj, _ := doc.(map[string]any)
	if obj["schema"] != SchemaV1 {
		return nil, fmt.Errorf("%s: not a qreview result: its \"schema\" is %s, want %q (qreview review --format json=FILE writes one)",
			name, describe(obj["schema"]), SchemaV1)
	}
	sch, err := compiledSchema()
	if err != nil {
		return nil, fmt.Errorf("the built-in result schema: %w", err)
	}
	if err := sch.Validate(doc); err != nil {
		return nil, fmt.Errorf("%s: not a valid %s result: %s", name, SchemaV1, schemaError(err))
	}
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &r, nil
}

// schemaError lists what is wrong and where ("at /json/pointer: …") on
// one line, the first few only.
func schemaError(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	p := message.NewPrinter(language.English)
	var causes []string
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			causes = append(causes, fmt.Sprintf("at /%s: %s", strings.Join(e.InstanceLocation, "/"), e.ErrorKind.LocalizedString(p)))
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	if len(causes) > 3 {
		causes = append(causes[:3], fmt.Sprintf("and %d more", len(causes)-3))
	}
	return strings.Join(causes, "; ")
}

func describe(v any) string {
	if v == nil {
		return "missing"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// position is the 1-based line and column of the byte a JSON syntax
// error stopped at (its offset counts that byte as read).
func position(data []byte, offset int64) (line, col int) {
	before := data[:max(0, min(offset-1, int64(len(data))))]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}
