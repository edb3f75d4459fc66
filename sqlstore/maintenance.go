package sqlstore

import (
	"context"
	"encoding/base64"
	"io"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// ServerKey returns the named random key, creating it with size random bytes
// on first use. Replicas starting together may each generate a key, but the
// insert keeps only the first and everyone reads that one back. A key that
// exists is returned as stored, whatever size asks for.
func (s *Store) ServerKey(ctx context.Context, name string, size int) ([]byte, error) {
	const op = "sqlstore.ServerKey"
	const get = `SELECT value FROM server_keys WHERE name = $1`
	var v string
	err := s.queryRow(ctx, get, name).Scan(&v)
	if err != nil {
		if err = dbErr(op, err); !gatehouse.IsCode(err, gatehouse.NotFound) {
			return nil, err
		}
		key := make([]byte, size)
		if _, err := io.ReadFull(s.db.rand, key); err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
		if _, err := s.exec(ctx, `INSERT INTO server_keys (name, value, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING`, name, base64.StdEncoding.EncodeToString(key), s.db.now().UnixMicro()); err != nil {
			return nil, dbErr(op, err)
		}
		// Read back on the writer: it sees the row whichever replica inserted it.
		if err := s.writeRow(ctx, get, name).Scan(&v); err != nil {
			return nil, dbErr(op, err)
		}
	}
	key, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	return key, nil
}

// usedTokenGrace is how long a used token is kept after its use, so that a
// second click on a link just used can be told "already used" rather than
// "unknown", and the audit trail can be correlated with it for a while.
const usedTokenGrace = 24 * time.Hour

// confirmationResultKept is how long after its time to confirm has run out a
// confirmation (and the result of what it did) is kept, for its result page.
const confirmationResultKept = 24 * time.Hour

// deleteBatch bounds each DELETE, so that on SQLite a large cleanup never holds
// the single writer for long while sign-ins wait.
const deleteBatch = 1000

// oidcGrantKept is how long a grant whose tokens have all expired is kept: it
// still names the applications to tell (back-channel logout) when the
// Gatehouse session it came from ends.
const oidcGrantKept = 30 * 24 * time.Hour

// DeleteExpired removes what can no longer be used at now: sessions past either
// expiry (and with them their two-factor codes), tokens past their expiry or
// used more than a day ago (operators' sessions and activation links alike), expired trusted devices, expired counters, used
// CAPTCHA challenges, confirmations a day past their expiry, and messages and webhook deliveries
// sent or failed more than retention ago (queued ones are never removed). It returns how many rows went.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, retention time.Duration) (int, error) {
	const op = "sqlstore.DeleteExpired"
	n := now.UnixMicro()
	steps := []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE ends_at <= $1 LIMIT $2)`, []any{n}},
		{`DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE expires_at <= $1 OR used_at <= $2 LIMIT $3)`,
			[]any{n, now.Add(-usedTokenGrace).UnixMicro()}},
		{`DELETE FROM email_changes WHERE hash IN (SELECT hash FROM email_changes WHERE expires_at <= $1 OR used_at <= $2 LIMIT $3)`,
			[]any{n, now.Add(-usedTokenGrace).UnixMicro()}},
		{`DELETE FROM operator_sessions WHERE id IN (SELECT id FROM operator_sessions WHERE expires_at <= $1 OR idle_expires_at <= $2 LIMIT $3)`, []any{n, n}},
		{`DELETE FROM operator_tokens WHERE hash IN (SELECT hash FROM operator_tokens WHERE expires_at <= $1 OR used_at <= $2 LIMIT $3)`,
			[]any{n, now.Add(-usedTokenGrace).UnixMicro()}},
		{`DELETE FROM trusted_devices WHERE id IN (SELECT id FROM trusted_devices WHERE expires_at <= $1 LIMIT $2)`, []any{n}},
		{`DELETE FROM counters WHERE key IN (SELECT key FROM counters WHERE expires_at <= $1 LIMIT $2)`, []any{n}},
		{`DELETE FROM passkey_challenges WHERE id IN (SELECT id FROM passkey_challenges WHERE expires_at <= $1 LIMIT $2)`, []any{n}},
		{`DELETE FROM captcha_solutions WHERE id IN (SELECT id FROM captcha_solutions WHERE expires_at <= $1 LIMIT $2)`, []any{n}},
		{`DELETE FROM confirmations WHERE id IN (SELECT id FROM confirmations WHERE expires_at <= $1 LIMIT $2)`,
			[]any{now.Add(-confirmationResultKept).UnixMicro()}},
		{`DELETE FROM oidc_requests WHERE id IN (SELECT id FROM oidc_requests WHERE expires_at <= $1 LIMIT $2)`, []any{n}},
		{`DELETE FROM oidc_codes WHERE hash IN (SELECT hash FROM oidc_codes WHERE expires_at <= $1 LIMIT $2)`,
			[]any{now.Add(-usedTokenGrace).UnixMicro()}},
		{`DELETE FROM oidc_tokens WHERE hash IN (SELECT hash FROM oidc_tokens WHERE expires_at <= $1 LIMIT $2)`, []any{n}},
		{`DELETE FROM oidc_grants WHERE id IN (SELECT id FROM oidc_grants g WHERE created_at <= $1
			AND NOT EXISTS (SELECT 1 FROM oidc_tokens t WHERE t.grant_id = g.id) LIMIT $2)`, []any{now.Add(-oidcGrantKept).UnixMicro()}},
		{`DELETE FROM oidc_logouts WHERE id IN (SELECT id FROM oidc_logouts WHERE done_at <= $1 LIMIT $2)`,
			[]any{now.Add(-retention).UnixMicro()}},
		{`DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE status <> 'queued' AND done_at <= $1 LIMIT $2)`,
			[]any{now.Add(-retention).UnixMicro()}},
		{`DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND done_at <= $1 LIMIT $2)`,
			[]any{now.Add(-retention).UnixMicro()}},
	}
	total := 0
	for _, st := range steps {
		for {
			res, err := s.exec(ctx, st.sql, append(st.args, deleteBatch)...)
			k, err := count(op, res, err)
			if err != nil {
				return total, err
			}
			total += k
			if k < deleteBatch {
				break
			}
		}
	}
	return total, nil
}
