//go:build !linux

package secret

// threadCPU is unknown off Linux: OnHashCPU is then never called.
func threadCPU() int64 { return -1 }
