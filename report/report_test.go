package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./report -update rewrites it; review the diff):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// payments is a real result: qreview review testdata/payments --format json.
func payments(t *testing.T) *Result {
	t.Helper()
	data, err := os.ReadFile("testdata/payments.result.json")
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestTextGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, payments(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "payments.txt", buf.Bytes())
}

func TestJSONRoundTripsTheResult(t *testing.T) {
	want, err := os.ReadFile("testdata/payments.result.json")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := JSON(&buf, payments(t)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("decoding and encoding the result changed it:\n%s", buf.String())
	}
}
