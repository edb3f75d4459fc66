package operator

import (
	"context"
	"encoding/csv"
	"io"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Entries returns a page of the operator log, newest first.
func (s *Service) Entries(ctx context.Context, actor gatehouse.Actor, f LogFilter) ([]*LogEntry, string, error) {
	if err := mayAct("operator.Entries", actor); err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	es, next, err := s.Log.OperatorLog(ctx, f)
	return es, next, gatehouse.Wrap("operator.Entries", err)
}

// CSVHeader is the first row of the operator log's CSV export.
var CSVHeader = []string{"time", "operator_id", "operator", "action", "organization", "target", "reason", "ticket", "address", "details"}

// ExportCSV writes every entry f selects (its cursor and limit aside) to w as
// CSV, newest first. Cells that a spreadsheet would run as a formula are
// quoted with a leading apostrophe.
func (s *Service) ExportCSV(ctx context.Context, actor gatehouse.Actor, f LogFilter, w io.Writer) error {
	const op = "operator.ExportCSV"
	if err := mayAct(op, actor); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return gatehouse.Wrap(op, err)
	}
	f.Cursor, f.Limit = "", 500
	for {
		es, next, err := s.Log.OperatorLog(ctx, f)
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		for _, e := range es {
			row := []string{e.At.UTC().Format(time.RFC3339), e.OperatorID, e.OperatorName, e.Action, e.OrgID, e.Target, e.Reason, e.Ticket, e.IP, e.Details}
			for i, c := range row {
				row[i] = cell(c)
			}
			if err := cw.Write(row); err != nil {
				return gatehouse.Wrap(op, err)
			}
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	cw.Flush()
	return gatehouse.Wrap(op, cw.Error())
}

// cell defuses text a spreadsheet would read as a formula (CSV injection).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Profile is what the console shows of an operator: nothing secret.
type Profile struct {
	ID          string
	Username    string
	Email       string
	State       State
	CreatedAt   time.Time
	ActivatedAt time.Time // zero while pending
}

// Operators lists the service desk's operators, by username, without their
// password hashes and app secrets.
func (s *Service) Operators(ctx context.Context, actor gatehouse.Actor) ([]Profile, error) {
	const op = "operator.Operators"
	if err := mayAct(op, actor); err != nil {
		return nil, err
	}
	list, err := s.Accounts.Operators(ctx)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	out := make([]Profile, 0, len(list))
	for _, o := range list {
		out = append(out, Profile{ID: o.ID, Username: o.Username, Email: o.Email, State: o.State, CreatedAt: o.CreatedAt, ActivatedAt: o.ActivatedAt})
	}
	return out, nil
}
