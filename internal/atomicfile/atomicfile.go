// Package atomicfile writes files that a reader never sees half written.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes via a temp file and a rename, so that a reader
// never sees half a file and a failure leaves the old one.
func Write(path string, data []byte) error {
	return Via(path, data, func(tmp string) error { return os.Rename(tmp, path) })
}

// Via writes data to a temp file beside path and hands it to put,
// which moves or links it into place; the temp file is removed after.
func Via(path string, data []byte, put func(tmp string) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".qreview-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { // CreateTemp makes 0600; these files are committed
		return err
	}
	return put(tmp.Name())
}
