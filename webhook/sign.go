package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// secretPrefix marks a Standard Webhooks signing secret.
const secretPrefix = "whsec_"

// secretSize is the number of random bytes in a secret: 256 bits.
const secretSize = 32

// NewSecret returns a new signing secret, "whsec_" and base64 of 32 random bytes.
func NewSecret(r io.Reader) (string, error) {
	b := make([]byte, secretSize)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

func secretKey(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || len(k) == 0 {
		return nil, errors.New("webhook: malformed signing secret")
	}
	return k, nil
}

// Sign returns the webhook-signature header value for a message: "v1," and
// the base64 HMAC-SHA256 of "id.timestamp.body" under each secret, separated
// by spaces (two during a rotation's grace period; receivers accept any).
func Sign(id string, at time.Time, body []byte, secrets ...string) (string, error) {
	var sigs []string
	ts := strconv.FormatInt(at.Unix(), 10)
	for _, s := range secrets {
		key, err := secretKey(s)
		if err != nil {
			return "", err
		}
		mac := hmac.New(sha256.New, key)
		io.WriteString(mac, id)
		io.WriteString(mac, ".")
		io.WriteString(mac, ts)
		io.WriteString(mac, ".")
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}
