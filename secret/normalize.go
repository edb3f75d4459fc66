package secret

import "golang.org/x/text/unicode/norm"

// NormalizePassword returns password in Unicode Normalization Form KC, the
// form NIST SP 800-63B-4 (5.1.1.2) asks verifiers to hash and compare, so that
// one password typed on keyboards or systems that compose characters
// differently (é as one code point, or as e and a combining accent) is one
// password. Nothing else changes: no trimming, no case folding, no truncation.
// Invalid UTF-8 is kept byte for byte.
//
// The Hasher applies it itself; callers use it where they judge a password by
// its text (the policy's length and rules, "the two passwords differ").
func NormalizePassword(password string) string {
	return norm.NFKC.String(password)
}
