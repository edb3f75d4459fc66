package gatehousetest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the process when the test process dies,
// so that an interrupted test run leaves no server behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
