package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// sealPrefix versions sealed values, so that the scheme can change later
// without guessing what an old value is.
const sealPrefix = "v1:"

// Seal encrypts plaintext with AES-256-GCM under key (32 bytes) and a random
// nonce read from r (crypto/rand when nil). aad, the associated data, is
// authenticated but not stored: Open needs the same aad, so that a sealed
// value copied to another row (another member) does not open there. The
// result is text: "v1:" and the base64 of nonce and ciphertext.
func Seal(key, plaintext, aad []byte, r io.Reader) (string, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return "", err
	}
	if r == nil {
		r = rand.Reader
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plaintext)+gcm.Overhead())
	if _, err := io.ReadFull(r, nonce); err != nil {
		return "", fmt.Errorf("secret: reading nonce: %w", err)
	}
	out := gcm.Seal(nonce, nonce, plaintext, aad)
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// ErrUnseal is the error of Open for a value that was not sealed under key and
// aad, or was altered.
var ErrUnseal = errors.New("secret: the sealed value does not open with this key")

// Open decrypts a value made by Seal with the same key and aad.
func Open(key []byte, sealed string, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	rest, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, ErrUnseal
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(b) < gcm.NonceSize()+gcm.Overhead() {
		return nil, ErrUnseal
	}
	plain, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], aad)
	if err != nil {
		return nil, ErrUnseal
	}
	return plain, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret: a sealing key has 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// KeyedHash returns the hex HMAC-SHA256 of the parts under key, each part
// preceded by its length so that ("ab", "c") and ("a", "bc") differ. It stores
// short secrets (six-digit codes) so that a copy of the table alone does not
// reveal them by trying every value: that also needs the key.
func KeyedHash(key []byte, parts ...string) string {
	mac := hmac.New(sha256.New, key)
	for _, p := range parts {
		fmt.Fprintf(mac, "%d:", len(p))
		io.WriteString(mac, p)
	}
	return hex.EncodeToString(mac.Sum(nil))
}
