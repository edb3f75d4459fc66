package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/app"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/gatehouse-auth/gatehouse/web"
)

// loadPassword is every load member's password at the start. It passes the
// default policy: long, not on the blocklist, none of the member's own words.
const loadPassword = "amber kettle quietly sings at dawn"

// member is a member the generator created and signs in as.
type member struct {
	username, email string
	password        string // changed by the reset scenario
}

// setupStore opens and migrates the target's database for the setup done before
// the load: members and settings, through the same use cases as `gatehouse user
// add` and `gatehouse settings set`.
func setupStore(ctx context.Context, t *target) (*sqlstore.Store, error) {
	if t.dbURL == "" {
		return nil, errors.New("this scenario needs members: with --url, give the server's --database-url so that they can be created")
	}
	st, err := sqlstore.Open(ctx, t.dbURL, sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// hasherConfig returns the argon2id parameters the server uses: its defaults or
// what GATEHOUSE_HASH_* in its environment say. Members must be hashed with the
// server's own parameters, or every first sign-in would also rehash.
func hasherConfig(t *target) (secret.HasherConfig, error) {
	get := func(name string) string {
		if v, ok := t.env[name]; ok {
			return v
		}
		if !t.own() {
			return os.Getenv(name)
		}
		return ""
	}
	var cfg secret.HasherConfig
	for _, p := range []struct {
		env string
		set func(uint32)
	}{
		{"GATEHOUSE_HASH_MEMORY", func(v uint32) { cfg.Memory = v }},
		{"GATEHOUSE_HASH_TIME", func(v uint32) { cfg.Time = v }},
		{"GATEHOUSE_HASH_THREADS", func(v uint32) { cfg.Threads = uint8(v) }},
	} {
		if v := get(p.env); v != "" {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return cfg, fmt.Errorf("%s=%q: %v", p.env, v, err)
			}
			p.set(uint32(n))
		}
	}
	if v := get("GATEHOUSE_HASH_MEMORY_BUDGET"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return cfg, fmt.Errorf("GATEHOUSE_HASH_MEMORY_BUDGET=%q: %v", v, err)
		}
		cfg.MemoryBudget = n << 20
	}
	return cfg, nil
}

// hashBudgetMiB is the server's hashing memory budget.
func hashBudgetMiB(t *target) int64 {
	cfg, err := hasherConfig(t)
	if err != nil || cfg.MemoryBudget == 0 {
		return secret.DefaultMemoryBudget >> 20
	}
	return cfg.MemoryBudget >> 20
}

// setup creates the members and applies the settings the scenarios need.
type setup struct {
	app     *app.App
	store   *sqlstore.Store
	account *account.Service
	prefix  string // makes this run's usernames unique, so a running server can be loaded twice
}

func newSetup(ctx context.Context, t *target) (*setup, error) {
	st, err := setupStore(ctx, t)
	if err != nil {
		return nil, err
	}
	cfg, err := hasherConfig(t)
	if err != nil {
		st.Close()
		return nil, err
	}
	u, _ := url.Parse(t.base)
	// The application gatehouse serve builds, on the server's database with
	// its hashing parameters; its worker stays off (the server sends).
	a, err := app.New(ctx, app.Config{Web: web.Config{PublicURL: u}, Hash: cfg}, st, nil)
	if err != nil {
		return nil, err
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	return &setup{app: a, store: st, account: a.Account, prefix: "ld" + hex.EncodeToString(b[:])}, nil
}

func (s *setup) close() { s.app.Close() }

// settings changes organization settings as `gatehouse settings set` would.
func (s *setup) settings(ctx context.Context, values map[string]string) error {
	_, err := s.app.Admin.UpdateSettings(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{IP: "gatehouse-load"}, gatehouse.DefaultOrgID, values)
	return err
}

// members creates n active members named group-0000 and up, two at a time
// (each costs one password hash).
func (s *setup) members(ctx context.Context, group string, n int) ([]*member, error) {
	out := make([]*member, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 2 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				name := fmt.Sprintf("%s-%s%04d", s.prefix, group, i)
				m := &member{username: name, email: name + "@load.example.com", password: loadPassword}
				_, _, err := s.app.Admin.CreateMember(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{IP: "gatehouse-load"}, gatehouse.NewMember{
					OrgID: gatehouse.DefaultOrgID, Username: m.username, Email: m.email, DisplayName: "Load member", Role: gatehouse.RoleMember, Password: m.password,
				})
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("creating member %s: %w", name, err)
					}
					mu.Unlock()
					return
				}
				out[i] = m
			}
		})
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return out, firstErr
}
