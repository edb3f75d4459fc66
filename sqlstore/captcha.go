package sqlstore

import (
	"context"
	"time"
)

// UseCaptcha records the challenge id as used. The primary key makes a second
// use a Conflict, atomically, however many replicas try at once.
func (s guardRows) UseCaptcha(ctx context.Context, id string, expires time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO captcha_solutions (id, expires_at) VALUES ($1, $2)`, id, expires.UnixMicro())
	return dbErr("sqlstore.UseCaptcha", err)
}
