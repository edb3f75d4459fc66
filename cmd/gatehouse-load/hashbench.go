package main

import (
	"context"
	"runtime"
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/secret"
)

// HashReport relates sign-in throughput to the cost of a password hash: a
// server can verify at most (cores ÷ hash time) passwords per second, however
// well everything else is written.
type HashReport struct {
	Memory       uint32  `json:"memory_kib"`
	Time         uint32  `json:"time"`
	Threads      uint8   `json:"threads"`
	HashMs       float64 `json:"hash_ms"`     // median wall time of one hash, run alone
	HashCPUMs    float64 `json:"hash_cpu_ms"` // its CPU time
	Cores        int     `json:"cores"`
	LimitPerSec  float64 `json:"limit_per_second"`            // cores ÷ hash time
	SigninPerSec float64 `json:"signin_per_second,omitempty"` // measured
	Ratio        float64 `json:"ratio,omitempty"`             // measured ÷ limit
	// ParallelLimitPerSec is how many hashes a second the machine does with a
	// hash running on every core at once and nothing else: below LimitPerSec
	// when concurrent hashes share memory bandwidth and caches, or the cores
	// run slower together than one alone. ParallelRatio is the measured
	// sign-in rate over it: how close the server comes to bare hashing.
	ParallelLimitPerSec float64 `json:"parallel_limit_per_second"`
	ParallelRatio       float64 `json:"parallel_ratio,omitempty"`
	// ServerHashMs is the server's own mean hash time during the run (from
	// /metrics): above HashMs when hashes compete for memory bandwidth or for
	// CPUs that other work takes. ServerHashCPUMs is their mean CPU time.
	ServerHashMs    float64 `json:"server_hash_ms,omitempty"`
	ServerHashCPUMs float64 `json:"server_hash_cpu_ms,omitempty"`
	// ServerCPUPerSigninMs is the server's CPU time per successful sign-in;
	// CPUBeyondHashMs is that less the CPU time of the hashes the server did
	// per sign-in (its own measure, or HashCPUMs when it gives none).
	ServerCPUPerSigninMs float64 `json:"server_cpu_per_signin_ms,omitempty"`
	CPUBeyondHashMs      float64 `json:"cpu_beyond_hash_ms,omitempty"`
}

// measureHash times password hashes with the server's parameters, one after
// the other on one thread, and returns the median.
func measureHash(ctx context.Context, t *target, cores int) (*HashReport, error) {
	cfg, err := hasherConfig(t)
	if err != nil {
		return nil, err
	}
	h, err := secret.NewHasher(cfg)
	if err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if _, err := h.Hash(ctx, "warm up the slot's memory"); err != nil {
		return nil, err
	}
	const n = 15
	walls := make([]time.Duration, 0, n)
	cpus := make([]time.Duration, 0, n)
	for range n {
		c0, w0 := threadCPU(), time.Now()
		if _, err := h.Hash(ctx, loadPassword); err != nil {
			return nil, err
		}
		walls = append(walls, time.Since(w0))
		cpus = append(cpus, threadCPU()-c0)
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	rep := &HashReport{
		Memory: orDefault(cfg.Memory, secret.DefaultMemory), Time: orDefault(cfg.Time, secret.DefaultTime),
		Threads: orDefault(cfg.Threads, secret.DefaultThreads),
		HashMs:  ms(walls[n/2]), HashCPUMs: ms(cpus[n/2]), Cores: cores,
	}
	rep.LimitPerSec = round(float64(cores)/walls[n/2].Seconds(), 1)
	runtime.UnlockOSThread()
	par, err := parallelHashRate(ctx, cfg, cores)
	if err != nil {
		return nil, err
	}
	rep.ParallelLimitPerSec = round(par, 1)
	return rep, nil
}

// parallelHashRate runs a hash on every core at once, each in a slot of its own,
// and returns the hashes per second of all of them together.
func parallelHashRate(ctx context.Context, cfg secret.HasherConfig, cores int) (float64, error) {
	cfg.MemoryBudget = int64(cores) * int64(orDefault(cfg.Memory, secret.DefaultMemory)) * 1024
	h, err := secret.NewHasher(cfg)
	if err != nil {
		return 0, err
	}
	round := func(each int) (time.Duration, error) {
		errs := make(chan error, cores)
		start := time.Now()
		for range cores {
			go func() {
				for range each {
					if _, err := h.Hash(ctx, loadPassword); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range cores {
			if err := <-errs; err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	}
	// The first round faults in every slot's memory and does not count. One
	// round of a fifth of a second moved by a quarter from one run to the
	// next (a hiccup of the VM is a large part of it), so the rate is the
	// median of five, as the lone hash's time is the median of fifteen.
	if _, err := round(1); err != nil {
		return 0, err
	}
	const each, rounds = 8, 5
	ds := make([]time.Duration, 0, rounds)
	for range rounds {
		d, err := round(each)
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return float64(cores*each) / ds[rounds/2].Seconds(), nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
