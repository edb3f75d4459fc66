package secret_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/secret"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	sealed, err := secret.Seal(key, []byte("JBSWY3DPEHPK3PXP"), []byte("default/alice"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "JBSWY3DPEHPK3PXP") || !strings.HasPrefix(sealed, "v1:") {
		t.Fatalf("sealed value %q shows the secret or lacks its version", sealed)
	}
	got, err := secret.Open(key, sealed, []byte("default/alice"))
	if err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other := bytes.Repeat([]byte{8}, 32)
	// Change one character in the middle of the sealed text to another one
	// (a character at the end may only carry padding bits).
	mid := len(sealed) / 2
	swap := byte('A')
	if sealed[mid] == 'A' {
		swap = 'B'
	}
	tampered := sealed[:mid] + string(swap) + sealed[mid+1:]
	for name, try := range map[string]func() ([]byte, error){
		"another key":    func() ([]byte, error) { return secret.Open(other, sealed, []byte("default/alice")) },
		"another member": func() ([]byte, error) { return secret.Open(key, sealed, []byte("default/bob")) },
		"altered":        func() ([]byte, error) { return secret.Open(key, tampered, []byte("default/alice")) },
		"no version":     func() ([]byte, error) { return secret.Open(key, sealed[3:], []byte("default/alice")) },
		"too short":      func() ([]byte, error) { return secret.Open(key, "v1:AAAA", []byte("default/alice")) },
		"not base64":     func() ([]byte, error) { return secret.Open(key, "v1:!!!", []byte("default/alice")) },
	} {
		if _, err := try(); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
	again, _ := secret.Seal(key, []byte("JBSWY3DPEHPK3PXP"), []byte("default/alice"), nil)
	if again == sealed {
		t.Error("two seals of one secret are equal: the nonce is not random")
	}
	if _, err := secret.Seal(key[:16], []byte("x"), nil, nil); err == nil {
		t.Error("a 16-byte key was accepted")
	}
}

func TestKeyedHash(t *testing.T) {
	k := []byte("key")
	if secret.KeyedHash(k, "ab", "c") == secret.KeyedHash(k, "a", "bc") {
		t.Error("part boundaries do not count")
	}
	if secret.KeyedHash(k, "123456") == secret.KeyedHash([]byte("other"), "123456") {
		t.Error("the key does not count")
	}
	if a, b := secret.KeyedHash(k, "id", "123456"), secret.KeyedHash(k, "id", "123456"); a != b {
		t.Error("not deterministic")
	}
}

func TestRecoveryCode(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		c, err := secret.NewRecoveryCode(nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 19 || strings.Count(c, "-") != 3 {
			t.Fatalf("code %q is not four groups of four", c)
		}
		n, ok := secret.NormalizeRecoveryCode(" " + strings.ToUpper(c) + " ")
		if !ok || n != strings.ReplaceAll(c, "-", "") {
			t.Fatalf("normalizing %q: %q %v", c, n, ok)
		}
		if seen[n] {
			t.Fatal("repeated code")
		}
		seen[n] = true
	}
	for _, bad := range []string{"", "abcd", "abcd-efgh-ijkl-mnop-q", "abcd-efgh-ijkl-mno1", "abcd-efgh-ijkl-mnø0"} {
		if _, ok := secret.NormalizeRecoveryCode(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
