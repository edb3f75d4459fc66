package brand_test

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/brand"
)

func encode(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCheckLogo: what a logo is is decided by decoding it; PNG, JPEG and
// WebP within the limits pass, everything else is refused on the logo
// field.
func TestCheckLogo(t *testing.T) {
	webp, err := os.ReadFile("testdata/logo.webp") // from golang.org/x/image's tests
	if err != nil {
		t.Fatal(err)
	}
	okPNG := encode(t, "png", 40, 20)
	for _, c := range []struct {
		name     string
		data     []byte
		wantType string // "" when refused
	}{
		{"png", okPNG, "image/png"},
		{"jpeg", encode(t, "jpeg", 30, 30), "image/jpeg"},
		{"webp", webp, "image/webp"},
		{"largest side", encode(t, "png", brand.MaxLogoSide, 1), "image/png"},
		{"gif", encode(t, "gif", 10, 10), ""},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>`), ""},
		{"html named png", []byte("<html><script>alert(1)</script></html>"), ""},
		{"too wide", encode(t, "png", brand.MaxLogoSide+1, 1), ""},
		{"too tall", encode(t, "png", 1, brand.MaxLogoSide+1), ""},
		{"too many bytes", append(okPNG, make([]byte, brand.MaxLogoBytes)...), ""},
		{"truncated", okPNG[:len(okPNG)/2], ""},
		{"empty", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := brand.CheckLogo(c.data)
			if c.wantType == "" {
				fs := gatehouse.ErrorFields(err)
				if err == nil || !gatehouse.IsCode(err, gatehouse.Invalid) || len(fs) != 1 || fs[0].Field != brand.FieldLogo {
					t.Errorf("CheckLogo = %v, %v; want Invalid on the logo field", l, err)
				}
				return
			}
			if err != nil || l.Type != c.wantType || len(l.ETag) != 32 || l.Width < 1 {
				t.Errorf("CheckLogo = %+v, %v; want %s", l, err, c.wantType)
			}
		})
	}
}
