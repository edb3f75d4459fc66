package sqlstore

import (
	"context"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// noticeKindsSQL is the SQL list of the kinds of message that hold no secret
// (gatehouse.NoticeKinds): MarkFailed keeps their bodies, so that an
// administrator can send a failed notice again. The kinds are constants of
// lower-case letters and underscores, checked here, so quoting them is safe.
var noticeKindsSQL = func() string {
	var q []string
	for _, k := range gatehouse.NoticeKinds() {
		if strings.Trim(k, "abcdefghijklmnopqrstuvwxyz_") != "" {
			panic("sqlstore: a notice kind that cannot be quoted: " + k)
		}
		q = append(q, "'"+k+"'")
	}
	return strings.Join(q, ", ")
}()

// TakeFailedNotice returns the failed notice id of orgID as it was, bodies
// included, and erases its bodies, so that the caller queues a copy in the
// same transaction and the failed one cannot be sent again twice: of two
// calls on one message only the first gets it. NotFound for no such message
// in orgID; Conflict for one that is not a failed notice, or whose bodies
// are gone (sent again already, or failed before notices kept them).
func (s deliveryRows) TakeFailedNotice(ctx context.Context, orgID, id string) (*gatehouse.Message, error) {
	const op = "sqlstore.TakeFailedNotice"
	m, err := scanMessage(s.queryRow(ctx,
		`SELECT `+messageWithBodies+` FROM messages WHERE org_id = $1 AND id = $2`, orgID, id))
	if err != nil {
		return nil, dbErr(op, err)
	}
	if !m.Resendable() {
		return nil, gatehouse.Errorf(gatehouse.Conflict, op,
			"Only a failed notice can be sent again: a failed link is replaced by a new link, and a code by asking for a new one.")
	}
	res, err := s.exec(ctx, `UPDATE messages SET text_body = '', html_body = ''
		WHERE org_id = $1 AND id = $2 AND status = 'failed' AND text_body <> ''`, orgID, id)
	if err := affected(op, res, err); err != nil {
		if gatehouse.IsCode(err, gatehouse.NotFound) {
			return nil, gatehouse.Errorf(gatehouse.Conflict, op,
				"This notice has already been sent again, or its text was not kept.")
		}
		return nil, err
	}
	return m, nil
}
