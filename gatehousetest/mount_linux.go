package gatehousetest

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// SmallFilesystem mounts a tmpfs of size bytes on a new directory, for tests of
// a disk that fills up, and unmounts it when t ends. It returns "" and the
// reason when this process may not mount (it is not root, or lacks
// CAP_SYS_ADMIN in its container).
func SmallFilesystem(t testing.TB, size int64) (dir, why string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		return "", fmt.Sprintf("cannot mount a tmpfs (%v): run the tests as root, or in a container with CAP_SYS_ADMIN", err)
	}
	t.Cleanup(func() { unmount(t, dir) })
	return dir, ""
}

// ReadOnlyDir makes dir read-only for everyone, root included, by mounting a
// read-only view of it over itself, and undoes that when t ends. Permissions
// would not do: root ignores them. It returns the reason when this process may
// not mount.
func ReadOnlyDir(t testing.TB, dir string) (why string) {
	t.Helper()
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
		return fmt.Sprintf("cannot bind-mount %s (%v): run the tests as root, or in a container with CAP_SYS_ADMIN", dir, err)
	}
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
		unmount(t, dir)
		return fmt.Sprintf("cannot make the bind mount of %s read-only: %v", dir, err)
	}
	t.Cleanup(func() { unmount(t, dir) })
	return ""
}

func unmount(t testing.TB, dir string) {
	if err := syscall.Unmount(dir, 0); err != nil {
		// Something still has a file open there: detach it now, it goes
		// once the last file is closed.
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("gatehousetest: unmounting %s: %v", dir, err)
		}
	}
}
