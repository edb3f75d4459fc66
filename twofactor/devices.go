package twofactor

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// Trusted browsers (S12). After a second factor the browser may get a cookie
// "RAW.SIG": RAW is a 256-bit random token whose SHA-256 is stored with the
// member, SIG an HMAC of RAW under a server key. The signature lets the server
// refuse forged or mangled cookies before any lookup; the stored hash makes a
// copy of the table useless for forging one. A trusted browser skips only the
// second factor, and only for the member it was trusted for.

// deviceKeyName names the server key that signs trusted-browser cookies.
const deviceKeyName = "trusted_device"

func (s *Service) deviceSignature(ctx context.Context, raw string) (string, error) {
	key, err := s.Store.ServerKey(ctx, deviceKeyName, 32)
	if err != nil {
		return "", gatehouse.Wrap("twofactor.deviceSignature", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("trusted_device\x00" + raw))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

// NewDeviceToken returns a new device secret and the signed cookie value.
func (s *Service) NewDeviceToken(ctx context.Context) (raw, cookie string, err error) {
	raw, _, err = secret.NewToken(s.rand())
	if err != nil {
		return "", "", gatehouse.Wrap("twofactor.NewDeviceToken", err)
	}
	sig, err := s.deviceSignature(ctx, raw)
	if err != nil {
		return "", "", err
	}
	return raw, raw + "." + sig, nil
}

// deviceRaw checks the signature of a cookie value and returns its secret, or
// "" when the value is not one we signed.
func (s *Service) deviceRaw(ctx context.Context, cookie string) (string, error) {
	raw, sig, ok := strings.Cut(cookie, ".")
	if !ok || !secret.ValidToken(raw) || len(sig) != 43 {
		return "", nil
	}
	want, err := s.deviceSignature(ctx, raw)
	if err != nil {
		return "", err
	}
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return "", nil
	}
	return raw, nil
}

// DeviceWriter stores a trusted browser and its audit event: the
// transaction of the sign-in step that trusts it.
type DeviceWriter interface {
	CreateTrustedDevice(ctx context.Context, d *gatehouse.TrustedDevice) error
	gatehouse.AuditWriter
}

// TrustDevice stores the browser with secret raw as trusted by m through tx.
func (s *Service) TrustDevice(ctx context.Context, tx DeviceWriter, set *gatehouse.Settings, m *gatehouse.Member, raw string, c gatehouse.Client) error {
	const op = "twofactor.TrustDevice"
	now := s.now()
	d := &gatehouse.TrustedDevice{
		ID: gatehouse.NewID(s.rand()), OrgID: m.OrgID, MemberID: m.ID, TokenHash: secret.HashToken(raw),
		CreatedAt: now, LastUsedAt: now, ExpiresAt: now.AddDate(0, 0, set.TrustDays(m)),
		IP: c.IP, UserAgent: truncate(c.UserAgent, 256),
	}
	if err := tx.CreateTrustedDevice(ctx, d); err != nil {
		return gatehouse.Wrap(op, err)
	}
	return s.audit(ctx, tx, event(gatehouse.EventDeviceTrusted, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
		map[string]string{"device": d.ID, "days": itoa(set.TrustDays(m))}))
}

// TrustedDevice returns the device the cookie names when it is trusted for m
// at now, else nil. The current trusted_device_days (for an administrator or
// owner, trusted_device_days_for_administrators when shorter) bounds old
// devices too, so that shortening it (or setting 0) takes effect at once, and
// a browser trusted before a promotion counts only for the administrators' days.
func (s *Service) TrustedDevice(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, cookie string, now time.Time) (*gatehouse.TrustedDevice, error) {
	days := set.TrustDays(m)
	if cookie == "" || days <= 0 {
		return nil, nil
	}
	raw, err := s.deviceRaw(ctx, cookie)
	if err != nil || raw == "" {
		return nil, err
	}
	d, err := s.Store.TrustedDeviceByToken(ctx, secret.HashToken(raw))
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, gatehouse.Wrap("twofactor.TrustedDevice", err)
	}
	if d.MemberID != m.ID || d.OrgID != m.OrgID || !now.Before(d.ExpiresAt) ||
		!now.Before(d.CreatedAt.AddDate(0, 0, days)) {
		return nil, nil
	}
	return d, nil
}

// TrustedDevices lists the member's trusted browsers, newest first.
func (s *Service) TrustedDevices(ctx context.Context, m *gatehouse.Member) ([]*gatehouse.TrustedDevice, error) {
	list, err := s.Store.TrustedDevices(ctx, m.OrgID, m.ID, s.now())
	if err != nil {
		return nil, gatehouse.Wrap("twofactor.TrustedDevices", err)
	}
	return list, nil
}

// RevokeDevice stops trusting one of the member's browsers.
func (s *Service) RevokeDevice(ctx context.Context, m *gatehouse.Member, id string, c gatehouse.Client) error {
	const op = "twofactor.RevokeDevice"
	return s.Tx.Tx(ctx, func(tx Tx) error {
		if err := tx.DeleteTrustedDevice(ctx, m.OrgID, m.ID, id); err != nil {
			if gatehouse.IsCode(err, gatehouse.NotFound) {
				return gatehouse.Errorf(gatehouse.NotFound, op, "That browser is no longer trusted.")
			}
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, tx, event(gatehouse.EventDeviceRevoked, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"device": id, "reason": account.RevokedByMember}))
	})
}

// RevokeDevices stops trusting every browser of the member and returns how many.
func (s *Service) RevokeDevices(ctx context.Context, m *gatehouse.Member, c gatehouse.Client) (int, error) {
	var n int
	err := s.Tx.Tx(ctx, func(tx Tx) error {
		var err error
		n, err = s.Steps.ForgetDevices(ctx, tx, m, gatehouse.MemberActor(m), c, account.RevokedByMember)
		return err
	})
	return n, err
}
