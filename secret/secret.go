// Package secret holds Gatehouse's cryptography at rest: passwords hashed with
// argon2id under a memory budget (and imported bcrypt hashes verified), random
// tokens stored by their SHA-256, numeric codes, and constant-time comparison.
//
// Argon2id is implemented here from RFC 9106 rather than taken from
// golang.org/x/crypto/argon2, so that each hashing slot keeps and reuses its
// memory; see Hasher and the benchmarks in bench_test.go for why.
package secret
