// Package outputs writes a review's result in the formats --format asks
// for: each to standard output or its own file, and the GitHub Actions
// outputs and pull-request comment.
package outputs

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/qreview/qreview/internal/actions"
	"github.com/qreview/qreview/report"
)

// Spec is what --format, --output and --comment ask for.
type Spec struct {
	Formats []string // FORMAT or FORMAT=FILE, repeatable
	Output  string   // the file of the one format given without =FILE
	Comment bool     // post the Markdown report on the pull request
}

// output is one --format: what to render and the file it goes to ("" for
// standard output).
type output struct{ format, file string }

// fileFormats render to a stream; github is special (see actions.Write).
var fileFormats = map[string]func(io.Writer, *report.Result) error{
	"text":     report.Text,
	"json":     report.JSON,
	"sarif":    func(w io.Writer, r *report.Result) error { return report.SARIF(w, actions.ForRepository(r)) },
	"markdown": func(w io.Writer, r *report.Result) error { return report.Markdown(w, r, report.MarkdownOptions{}) },
	"html":     report.HTML,
}

const formatNames = "text, json, sarif, markdown, html or github"

// outputs reads --format (FORMAT or FORMAT=FILE, repeatable) and --output
// (the file of the one format given without =FILE). With no --format,
// text, or github when running in GitHub Actions.
func outputs(f Spec) ([]output, error) {
	specs := f.Formats
	if len(specs) == 0 {
		specs = []string{"text"}
		if os.Getenv("GITHUB_ACTIONS") == "true" {
			specs = []string{"github"}
		}
	}
	var outs []output
	var stdout []string // formats that write to standard output
	files := map[string]string{}
	outputUsed := false
	for _, spec := range specs {
		name, file, hasFile := strings.Cut(spec, "=")
		_, known := fileFormats[name]
		switch {
		case !known && name != "github":
			return nil, fmt.Errorf("--format %q: use %s, optionally as FORMAT=FILE", spec, formatNames)
		case hasFile && file == "":
			return nil, fmt.Errorf("--format %q: no file after =", spec)
		case name == "github" && hasFile:
			return nil, fmt.Errorf("--format %q: github writes annotations to standard output and the job summary and step outputs to the files GitHub Actions names; it takes no =FILE", spec)
		case !hasFile && name != "github" && f.Output != "":
			if outputUsed {
				return nil, fmt.Errorf("--output names one file, for one format; give the others theirs: --format %s=FILE", name)
			}
			file, outputUsed = f.Output, true
		}
		if file == "" {
			stdout = append(stdout, name)
		} else if other, dup := files[file]; dup {
			return nil, fmt.Errorf("--format %s and --format %s both write to %s", other, name, file)
		} else {
			files[file] = name
		}
		outs = append(outs, output{name, file})
	}
	if len(stdout) > 1 {
		return nil, fmt.Errorf("--format %s and --format %s both write to standard output; give one a file: --format %s=FILE", stdout[0], stdout[1], stdout[1])
	}
	if f.Output != "" && !outputUsed {
		return nil, fmt.Errorf("--output %s: no format to write there (github writes to standard output); use --format FORMAT=FILE", f.Output)
	}
	return outs, nil
}

// Check rejects bad --format and --output values before any work is done.
func (f Spec) Check() error {
	_, err := outputs(f)
	return err
}

// Write renders the result in every chosen format: files first, so
// that the github format can name them in its step outputs, then standard
// output, then the pull-request comment when --comment asks for one.
func (f Spec) Write(stdout io.Writer, res *report.Result) error {
	outs, err := outputs(f)
	if err != nil {
		return err
	}
	written := map[string]string{} // format → file
	for _, o := range outs {
		if o.file == "" {
			continue
		}
		var buf bytes.Buffer
		if err := fileFormats[o.format](&buf, res); err != nil {
			return fmt.Errorf("--format %s: %w", o.format, err)
		}
		if err := os.WriteFile(o.file, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("--format %s: %w", o.format, err)
		}
		written[o.format] = o.file
	}
	for _, o := range outs {
		if o.file != "" {
			continue
		}
		if o.format == "github" {
			if err := actions.Write(stdout, res, written); err != nil {
				return err
			}
			continue
		}
		if err := fileFormats[o.format](stdout, res); err != nil {
			return err
		}
	}
	if f.Comment {
		actions.Comment(res, written)
	}
	return nil
}
