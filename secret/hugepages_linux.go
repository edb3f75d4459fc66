package secret

import (
	"syscall"
	"unsafe"
)

// adviseHugePages asks the kernel to back a slot's argon2 memory with
// transparent huge pages where it is configured to do so on request
// ("madvise", the common default). Argon2 reads its 19 MiB in an order no cache
// predicts, so with 4 KiB pages nearly every read misses the TLB; 2 MiB pages
// remove most of those misses. It is only advice: when it is refused, nothing
// changes.
func adviseHugePages(mem []block) {
	if len(mem) == 0 {
		return
	}
	const huge = 2 << 20
	start := uintptr(unsafe.Pointer(&mem[0]))
	end := start + uintptr(len(mem))*uintptr(unsafe.Sizeof(mem[0]))
	// Only whole huge pages inside the slice: advice must not touch neighbours.
	first := (start + huge - 1) &^ (huge - 1)
	last := end &^ (huge - 1)
	if last <= first {
		return
	}
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, first, last-first, 14 /* MADV_HUGEPAGE */)
}
