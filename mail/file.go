package mail

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/atomicfile"
)

// fileTransport writes each message as one .eml file: the development default,
// which needs no mail server and which any mail client opens.
type fileTransport struct {
	dir  string
	opts Options
}

func openFile(u *url.URL, opts Options) (Transport, error) {
	if err := checkQuery(u); err != nil {
		return nil, err
	}
	if u.Host != "" && u.Host != "localhost" {
		return nil, errors.New("mail: a file URL names a local directory: file:///path/to/dir")
	}
	dir := u.Path
	if dir == "" {
		dir = u.Opaque // file:relative/dir
	}
	if dir == "" {
		return nil, errors.New("mail: the file URL has no directory")
	}
	// The files hold one-time links: readable by the server's user only.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &fileTransport{dir: filepath.Clean(dir), opts: opts}, nil
}

func (t *fileTransport) Send(ctx context.Context, m *Envelope) error {
	msg, err := Compose(m)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return temporary("write file", err)
	}
	name := t.opts.Now().UTC().Format("20060102T150405.000000000Z") + "-" + safeName(m.MessageID) + ".eml"
	if err := atomicfile.Write(filepath.Join(t.dir, name), msg); err != nil {
		return temporary("write file", err)
	}
	return nil
}

// safeName keeps the characters of a Message-ID that are safe in a file name on
// every system.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
