package brand

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg" // decoders DecodeConfig and Decode know by their format's name
	_ "image/png"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	_ "golang.org/x/image/webp"
)

// Limits of a logo. It is shown about 2.5rem high in page headers and 48
// pixels high in emails: a small image does, and the limits keep a page's
// weight and the decoder's work bounded.
const (
	MaxLogoBytes = 256 << 10 // 256 KiB
	MaxLogoSide  = 1024      // pixels, either side
)

// FieldLogo is the form and API field of the logo, for error messages.
const FieldLogo = "logo"

// logoTypes are the formats accepted, by the name image.DecodeConfig gives
// them, with the media type the logo is served as. SVG is not one: it is a
// document that can hold scripts and links, and serving it safely takes more
// than a header; PNG, JPEG and WebP are pixels only.
var logoTypes = map[string]string{"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}

// Logo is an organization's logo.
type Logo struct {
	Type          string // media type: image/png, image/jpeg or image/webp
	Data          []byte
	Width, Height int
	// ETag is the SHA-256 of Data in hex: the logo's version, for caches.
	ETag      string
	UpdatedAt time.Time
}

// CheckLogo decodes data as an image and returns it as a Logo when it is a
// PNG, JPEG or WebP image within MaxLogoBytes and MaxLogoSide. What the
// bytes are is decided by decoding them, never by a file name or a declared
// type. Refusals are Invalid errors on FieldLogo.
func CheckLogo(data []byte) (*Logo, error) {
	const op = "brand.CheckLogo"
	refuse := func(msg string) error {
		return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldLogo, Code: "invalid", Message: msg})
	}
	if len(data) == 0 {
		return nil, refuse("Choose an image file for the logo.")
	}
	if len(data) > MaxLogoBytes {
		return nil, refuse(fmt.Sprintf("The logo is larger than %d KB.", MaxLogoBytes>>10))
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	typ, known := logoTypes[format]
	if err != nil || !known {
		return nil, refuse("The logo must be a PNG, JPEG or WebP image.")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return nil, refuse(fmt.Sprintf("The logo is at most %d by %d pixels.", MaxLogoSide, MaxLogoSide))
	}
	// The header may lie about what follows: decode it all (bounded by the
	// size checked above).
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return nil, refuse("The logo must be a PNG, JPEG or WebP image.")
	}
	sum := sha256.Sum256(data)
	return &Logo{Type: typ, Data: data, Width: cfg.Width, Height: cfg.Height, ETag: hex.EncodeToString(sum[:16])}, nil
}

// SetLogo checks data (CheckLogo), stores it as the organization's logo and
// audits the change (brand.logo_changed) with the image's type, size and
// version.
func (s *Service) SetLogo(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID string, data []byte) (*Logo, error) {
	const op = "brand.SetLogo"
	if err := allowed(op, actor, orgID); err != nil {
		return nil, err
	}
	l, err := CheckLogo(data)
	if err != nil {
		return nil, err
	}
	l.UpdatedAt = s.now()
	err = s.Tx.Tx(ctx, func(st Store) error {
		if err := st.SetLogo(ctx, orgID, l); err != nil {
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, st, gatehouse.EventLogoChanged, orgID, actor, c, map[string]string{
			"change": "uploaded", "type": l.Type, "bytes": fmt.Sprint(len(l.Data)),
			"pixels": fmt.Sprintf("%dx%d", l.Width, l.Height), "etag": l.ETag})
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// RemoveLogo removes the organization's logo, audited; removing none is
// NotFound.
func (s *Service) RemoveLogo(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID string) error {
	const op = "brand.RemoveLogo"
	if err := allowed(op, actor, orgID); err != nil {
		return err
	}
	return s.Tx.Tx(ctx, func(st Store) error {
		had, err := st.DeleteLogo(ctx, orgID)
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		if !had {
			return gatehouse.Errorf(gatehouse.NotFound, op, "The organization has no logo.")
		}
		return s.audit(ctx, st, gatehouse.EventLogoChanged, orgID, actor, c, map[string]string{"change": "removed"})
	})
}

// Logo returns the organization's logo; NotFound when it has none. Anyone
// may see it: it is shown on the sign-in page.
func (s *Service) Logo(ctx context.Context, orgID string) (*Logo, error) {
	return s.Store.Logo(ctx, orgID)
}
