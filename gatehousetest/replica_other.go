//go:build !linux

package gatehousetest

import "os/exec"

// dieWithParent does nothing where the kernel cannot tie a child's life to its
// parent's; t.Cleanup still ends the process.
func dieWithParent(cmd *exec.Cmd) {}
