package secret

import (
	"syscall"
	"unsafe"
)

// threadCPU returns the CPU time the calling thread has used, in nanoseconds
// (the caller locks its goroutine to the thread), or -1 when unknown. It reads
// CLOCK_THREAD_CPUTIME_ID, which counts nanoseconds, where getrusage counts
// in scheduler ticks.
func threadCPU() int64 {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	_, _, errno := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return -1
	}
	return ts.Nano()
}
