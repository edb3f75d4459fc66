// Package atomicfile writes files so that a reader never sees half of one.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to a temporary file in the directory of name and renames it
// into place, so that a reader watching the directory never sees a half-written
// file and a crash leaves no truncated one. The file is readable by its owner
// only (os.CreateTemp's mode 0600).
func Write(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
