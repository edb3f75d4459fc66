package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"github.com/gatehouse-auth/gatehouse"
)

// identifierKeyName names the server key of redacted identifiers.
const identifierKeyName = "audit_identifier"

// RedactIdentifier returns what the audit log records of an identifier typed
// into a sign-in or forgotten-password form that names no single member.
// People sometimes type their password into the username field, so the text
// itself is never stored: only a few of its first characters, visibly cut
// ("pas…", at most three and at most half of it), and a reference ("#3f9a2b7c",
// the first 32 bits of an HMAC-SHA-256 of the normalized identifier under a
// server key), the same for the same text, by which an administrator can tell
// many attempts with one name from attempts with many names. Reading the text
// back needs the server key and a guess to try it on.
//
// Identifiers that name a member are recorded as typed, with the member.
func (s *Service) RedactIdentifier(ctx context.Context, identifier string) (string, error) {
	key, err := s.Store.ServerKey(ctx, identifierKeyName, 32)
	if err != nil {
		return "", gatehouse.Wrap("account.RedactIdentifier", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("identifier\x00" + gatehouse.NormalizeIdentifier(identifier)))
	runes := []rune(storable(truncate(identifier, 64)))
	keep := min(3, len(runes)/2)
	return string(runes[:keep]) + "… #" + hex.EncodeToString(mac.Sum(nil)[:4]), nil
}
