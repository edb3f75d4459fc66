package sqlstore

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// The page cursors of the member list.

// memberCursor is where a page of the member list ended: the sort key and the
// normalized username of its last member.
type memberCursor struct {
	key  any // string or int64
	user string
}

// encode makes the cursor text for a list in order sort. The list by username,
// ascending, keeps the form it had before there were other orders (the
// username alone), so that cursors held by API clients across an upgrade
// still work; the others name their order, so that a cursor is never read
// in another one.
func (c memberCursor) encode(sort gatehouse.MemberSort, desc bool) string {
	if sort == gatehouse.SortUsername && !desc {
		return textCursor(c.user)
	}
	b, _ := json.Marshal([]any{sort, desc, c.key, c.user})
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseMemberCursor(op, raw string, sort gatehouse.MemberSort, desc, text bool) (*memberCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) == 0 {
		return nil, badCursor(op)
	}
	if b[0] != '[' { // a username never starts with [
		if sort != gatehouse.SortUsername || desc {
			return nil, badCursor(op)
		}
		return &memberCursor{key: string(b), user: string(b)}, nil
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var v []any
	if err := d.Decode(&v); err != nil || len(v) != 4 {
		return nil, badCursor(op)
	}
	gotSort, _ := v[0].(string)
	gotDesc, _ := v[1].(bool)
	user, ok := v[3].(string)
	if gotSort != string(sort) || gotDesc != desc || !ok {
		return nil, badCursor(op)
	}
	c := &memberCursor{user: user}
	switch k := v[2].(type) {
	case string:
		if !text {
			return nil, badCursor(op)
		}
		c.key = k
	case json.Number:
		n, err := strconv.ParseInt(k.String(), 10, 64)
		if err != nil || text {
			return nil, badCursor(op)
		}
		c.key = n
	default:
		return nil, badCursor(op)
	}
	return c, nil
}
