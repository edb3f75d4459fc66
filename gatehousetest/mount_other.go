//go:build !linux

package gatehousetest

import "testing"

// SmallFilesystem mounts a small filesystem on Linux; elsewhere it says why not.
func SmallFilesystem(t testing.TB, size int64) (dir, why string) {
	return "", "mounting a small filesystem is only done on Linux"
}

// ReadOnlyDir makes dir read-only on Linux; elsewhere it says why not.
func ReadOnlyDir(t testing.TB, dir string) (why string) {
	return "making a directory read-only for root is only done on Linux"
}
