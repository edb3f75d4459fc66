package brand

import (
	"context"
	"sort"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// Fields of a text override, for error messages.
const (
	FieldLanguage = "language"
	FieldKey      = "key"
	FieldText     = "text"
)

// SetText stores the organization's own wording of catalog message key in
// language lang, after checking it (i18n.Catalog.CheckOverride: a known
// language and key, plain text within i18n.MaxOverride characters, only the
// message's own placeholders), and audits the change (brand.text_changed)
// with the old and new text.
func (s *Service) SetText(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID string, t Text) error {
	const op = "brand.SetText"
	if err := allowed(op, actor, orgID); err != nil {
		return err
	}
	t.Lang, t.Key = strings.TrimSpace(t.Lang), strings.TrimSpace(t.Key)
	t.Text = strings.TrimSpace(t.Text)
	if field, err := s.catalog().CheckOverride(t.Lang, t.Key, t.Text); err != nil {
		msg := err.Error()
		msg = strings.ToUpper(msg[:1]) + msg[1:] + "."
		return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: field, Code: "invalid", Message: msg})
	}
	t.UpdatedAt = s.now()
	return s.Tx.Tx(ctx, func(st Store) error {
		cur, err := st.Look(ctx, orgID)
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		old := cur.Texts[t.Lang][t.Key]
		if old == t.Text {
			return nil
		}
		if err := st.SetText(ctx, orgID, t, t.UpdatedAt); err != nil {
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, st, gatehouse.EventTextChanged, orgID, actor, c, map[string]string{
			"language": t.Lang, "key": t.Key, "old": old, "new": t.Text})
	})
}

// RemoveText removes an override, so that the catalog's message is shown
// again; audited. Removing none is NotFound.
func (s *Service) RemoveText(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, lang, key string) error {
	const op = "brand.RemoveText"
	if err := allowed(op, actor, orgID); err != nil {
		return err
	}
	return s.Tx.Tx(ctx, func(st Store) error {
		cur, err := st.Look(ctx, orgID)
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		old, ok := cur.Texts[lang][key]
		if !ok {
			return gatehouse.Errorf(gatehouse.NotFound, op, "There is no such text override.")
		}
		if _, err := st.DeleteText(ctx, orgID, lang, key); err != nil {
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, st, gatehouse.EventTextChanged, orgID, actor, c, map[string]string{
			"language": lang, "key": key, "old": old, "new": ""})
	})
}

// Texts returns the organization's overrides, by language then key, each
// with the catalog's own text beside it. Only administrators see the list.
func (s *Service) Texts(ctx context.Context, actor gatehouse.Actor, orgID string) ([]Override, error) {
	const op = "brand.Texts"
	if err := allowed(op, actor, orgID); err != nil {
		return nil, err
	}
	look, err := s.Store.Look(ctx, orgID)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	var out []Override
	for lang, texts := range look.Texts {
		for key, text := range texts {
			orig, _ := s.catalog().Source(lang, key)
			out = append(out, Override{Lang: lang, Key: key, Text: text, Original: orig})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Lang != out[j].Lang {
			return out[i].Lang < out[j].Lang
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// Override is an override as administrators see it: with the catalog's text
// it replaces.
type Override struct {
	Lang     string `json:"language"`
	Key      string `json:"key"`
	Text     string `json:"text"`
	Original string `json:"original"`
}
