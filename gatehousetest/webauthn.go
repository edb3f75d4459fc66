package gatehousetest

import (
	"crypto/ecdsa"
	"crypto/x509"

	"github.com/descope/virtualwebauthn"
)

// PasskeyCredential makes an EC2 credential whose public key coordinates are
// both 32 bytes. virtualwebauthn writes them with big.Int.Bytes, which drops
// leading zero bytes, so about one key in 128 has a 31-byte coordinate that
// go-webauthn rightly refuses (a real authenticator pads it): such keys made
// TestChallenge fail about once in 60 runs.
func PasskeyCredential() virtualwebauthn.Credential {
	for {
		c := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
		k, err := x509.ParsePKCS8PrivateKey(c.Key.Data)
		if ec, ok := k.(*ecdsa.PrivateKey); err == nil && ok && len(ec.X.Bytes()) == 32 && len(ec.Y.Bytes()) == 32 {
			return c
		}
	}
}
