//go:build !linux

package main

import "time"

// threadCPU is not measured off Linux; the report then shows no hash CPU time.
func threadCPU() time.Duration { return 0 }
