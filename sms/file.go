package sms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/atomicfile"
)

// fileTransport writes each message as one JSON file (WebhookMessage), the
// development default: the code can be read from the file without a provider.
type fileTransport struct {
	dir string
	now func() time.Time
}

func openFile(u *url.URL, opts Options) (Transport, error) {
	if len(u.Query()) > 0 {
		return nil, errors.New("sms: a file URL takes no parameters")
	}
	if u.Host != "" && u.Host != "localhost" {
		return nil, errors.New("sms: a file URL names a local directory: file:///path/to/dir")
	}
	dir := u.Path
	if dir == "" {
		dir = u.Opaque // file:relative/dir
	}
	if dir == "" {
		return nil, errors.New("sms: the file URL has no directory")
	}
	// The files hold one-time codes: readable by the server's user only.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &fileTransport{dir: filepath.Clean(dir), now: opts.Now}, nil
}

func (t *fileTransport) Send(ctx context.Context, to, body string) error {
	if err := checkMessage("file", to, body); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &Error{Op: "file", Err: err}
	}
	data, err := json.MarshalIndent(WebhookMessage{To: to, Body: body}, "", "  ")
	if err != nil {
		return &Error{Op: "file", Permanent: true, Err: err}
	}
	// The random suffix keeps two messages of one instant, or of two processes
	// sharing the directory, apart; the time prefix sorts them.
	var r [6]byte
	rand.Read(r[:])
	name := t.now().UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(r[:]) + ".json"
	if err := atomicfile.Write(filepath.Join(t.dir, name), append(data, '\n')); err != nil {
		return &Error{Op: "file", Err: err}
	}
	return nil
}
