package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/phone"
)

// /api/v1/members and what hangs off it: list, create, read, update and delete
// members, set a password (S26), send activation emails (S23, S24), end
// sessions. Each handler calls the same use case as the admin pages.

// apiMember is a member as the API shows it. Secrets (the password and PIN
// hashes) never leave the server; the API says only whether they are set.
type apiMember struct {
	ID                 string  `json:"id"`
	Username           string  `json:"username"`
	DisplayName        string  `json:"display_name"`
	Email              string  `json:"email"`
	WorkEmail          string  `json:"work_email"`
	Mobile             string  `json:"mobile"`
	Role               string  `json:"role"`
	State              string  `json:"state"`
	EffectiveState     string  `json:"effective_state"`
	ExpiresAt          *string `json:"expires_at"`
	PasswordSet        bool    `json:"password_set"`
	PasswordChangedAt  *string `json:"password_changed_at"`
	MustChangePassword bool    `json:"must_change_password"`
	// MustSetUpSecondFactor: an administrator asked the member to set up a
	// second factor at the next sign-in (POST .../second-factor-setup).
	MustSetUpSecondFactor bool    `json:"must_set_up_second_factor"`
	SupportPINSet         bool    `json:"support_pin_set"`
	CreatedAt             *string `json:"created_at"`
	UpdatedAt             *string `json:"updated_at"`
}

func (s apiEndpoints) toAPIMember(m *gatehouse.Member) apiMember {
	return apiMember{
		ID: m.ID, Username: m.Username, DisplayName: m.DisplayName, Email: m.Email, WorkEmail: m.WorkEmail,
		Mobile: m.Mobile, Role: string(m.Role), State: string(m.State), EffectiveState: string(m.EffectiveState(s.now())),
		ExpiresAt: apiTimeText(m.ExpiresAt), PasswordSet: m.PasswordHash != "", PasswordChangedAt: apiTimeText(m.PasswordChangedAt),
		MustChangePassword: m.MustChangePassword, MustSetUpSecondFactor: m.MustSetUpSecondFactor, SupportPINSet: m.SupportPINHash != "",
		CreatedAt: apiTimeText(m.CreatedAt), UpdatedAt: apiTimeText(m.UpdatedAt),
	}
}

func (s apiEndpoints) apiListMembers(w http.ResponseWriter, r *http.Request, c *apiCall) {
	q, ok := parseAPIQuery(w, r, "query", "role", "state", "limit", "cursor")
	if !ok {
		return
	}
	ms, next, err := s.Admin.ListMembers(r.Context(), c.Actor, c.OrgID, gatehouse.MemberFilter{
		Query: q.Get("query"), Role: gatehouse.Role(q.Get("role")), State: gatehouse.State(q.Get("state")),
		Cursor: q.Get("cursor"), Limit: q.Limit,
	})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := struct {
		Members    []apiMember `json:"members"`
		NextCursor *string     `json:"next_cursor"`
	}{Members: []apiMember{}, NextCursor: apiCursor(next)}
	for _, m := range ms {
		out.Members = append(out.Members, s.toAPIMember(m))
	}
	writeJSON(w, http.StatusOK, out)
}

// parseMobile turns what people type into E.164 at the edge; "" stays "".
func parseMobile(v string, errs *[]gatehouse.FieldError) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	n, err := phone.ParseNumber(v, "")
	*errs = append(*errs, gatehouse.ErrorFields(err)...)
	return n
}

type apiNewMember struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	WorkEmail   string `json:"work_email"`
	Mobile      string `json:"mobile"`
	Role        string `json:"role"`
	ExpiresAt   string `json:"expires_at"`
	Password    string `json:"password"`
}

func (s apiEndpoints) apiCreateMember(w http.ResponseWriter, r *http.Request, c *apiCall) {
	var in apiNewMember
	if !decodeJSON(w, r, &in, false) {
		return
	}
	var errs []gatehouse.FieldError
	nm := gatehouse.NewMember{OrgID: c.OrgID, Username: in.Username, DisplayName: in.DisplayName, Email: in.Email,
		WorkEmail: in.WorkEmail, Role: gatehouse.Role(in.Role), Password: in.Password, Mobile: parseMobile(in.Mobile, &errs)}
	t, fe := parseAPITime("expires_at", in.ExpiresAt)
	if fe != nil {
		errs = append(errs, *fe)
	}
	nm.ExpiresAt = t
	nm.Refused = errs // told with every other problem, at once
	m, link, err := s.Admin.CreateMember(r.Context(), c.Actor, s.client(r), nm)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	c.MemberID = m.ID
	out := struct {
		apiMember
		ActivationEmail bool `json:"activation_email_queued"`
	}{s.toAPIMember(m), link != ""}
	w.Header().Set("Location", apiPrefix+"/members/"+url.PathEscape(m.ID))
	writeJSON(w, http.StatusCreated, out)
}

func (s apiEndpoints) apiGetMember(w http.ResponseWriter, r *http.Request, c *apiCall) {
	m, err := s.Admin.Member(r.Context(), c.Actor, c.OrgID, r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toAPIMember(m))
}

// apiMemberPatch is a partial update: absent (or null) fields stay as they
// are; an empty mobile or expires_at removes it.
type apiMemberPatch struct {
	DisplayName *string `json:"display_name"`
	Email       *string `json:"email"`
	WorkEmail   *string `json:"work_email"`
	Mobile      *string `json:"mobile"`
	Role        *string `json:"role"`
	State       *string `json:"state"`
	ExpiresAt   *string `json:"expires_at"`
}

func (s apiEndpoints) apiUpdateMember(w http.ResponseWriter, r *http.Request, c *apiCall) {
	c.MemberID = r.PathValue("id")
	var in apiMemberPatch
	if !decodeJSON(w, r, &in, false) {
		return
	}
	u := admin.ProfileUpdate{DisplayName: in.DisplayName, Email: in.Email, WorkEmail: in.WorkEmail}
	errs := &u.Problems
	if in.Mobile != nil {
		if m := parseMobile(*in.Mobile, errs); m != "" || strings.TrimSpace(*in.Mobile) == "" {
			u.Mobile = &m
		}
	}
	if in.Role != nil {
		role := gatehouse.Role(*in.Role)
		u.Role = &role
	}
	if in.State != nil {
		st := gatehouse.State(*in.State)
		u.State = &st
	}
	if in.ExpiresAt != nil {
		t, fe := parseAPITime("expires_at", *in.ExpiresAt)
		if fe != nil {
			*errs = append(*errs, *fe)
		} else {
			u.ExpiresAt = &t
		}
	}
	m, err := s.Admin.UpdateMember(r.Context(), c.Actor, s.client(r), c.OrgID, c.MemberID, u)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toAPIMember(m))
}

func (s apiEndpoints) apiDeleteMember(w http.ResponseWriter, r *http.Request, c *apiCall) {
	c.MemberID = r.PathValue("id")
	if err := s.Admin.DeleteMember(r.Context(), c.Actor, s.client(r), c.OrgID, c.MemberID); err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type apiPassword struct {
	Password   *string `json:"password"`
	MustChange bool    `json:"must_change"`
}

// apiSetPassword sets a member's password now (S26). A refused password gets
// one entry in errors per unmet rule, with the rule's stable code.
func (s apiEndpoints) apiSetPassword(w http.ResponseWriter, r *http.Request, c *apiCall) {
	c.MemberID = r.PathValue("id")
	var in apiPassword
	if !decodeJSON(w, r, &in, false) {
		return
	}
	pw := ""
	if in.Password != nil {
		pw = *in.Password
	}
	if err := s.Admin.SetMemberPassword(r.Context(), c.Actor, s.client(r), c.OrgID, c.MemberID, pw, in.MustChange); err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiActivation is one member's outcome of an activation send.
type apiActivation struct {
	MemberID string `json:"member_id"`
	Status   string `json:"status"` // sent or skipped
	To       string `json:"to,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Message  string `json:"message,omitempty"`
}

func toAPIActivation(r admin.ActivationResult) apiActivation {
	if r.Sent {
		return apiActivation{MemberID: r.MemberID, Status: "sent", To: r.To}
	}
	return apiActivation{MemberID: r.MemberID, Status: "skipped", Reason: r.Reason, Message: r.Message}
}

func (s apiEndpoints) apiSendActivation(w http.ResponseWriter, r *http.Request, c *apiCall) {
	c.MemberID = r.PathValue("id")
	var in struct{}
	if !decodeJSON(w, r, &in, true) {
		return
	}
	res, err := s.Admin.SendMemberActivation(r.Context(), c.Actor, s.client(r), c.OrgID, c.MemberID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, toAPIActivation(res))
}

func (s apiEndpoints) apiBulkActivation(w http.ResponseWriter, r *http.Request, c *apiCall) {
	var in struct {
		MemberIDs []string `json:"member_ids"`
	}
	if !decodeJSON(w, r, &in, false) {
		return
	}
	res, err := s.Admin.SendActivation(r.Context(), c.Actor, s.client(r), c.OrgID, in.MemberIDs)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := struct {
		Sent    int             `json:"sent"`
		Skipped int             `json:"skipped"`
		Results []apiActivation `json:"results"`
	}{Results: []apiActivation{}}
	for _, x := range res {
		if x.Sent {
			out.Sent++
		} else {
			out.Skipped++
		}
		out.Results = append(out.Results, toAPIActivation(x))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiLiftThrottle forgets the member's failed sign-ins.
func (s apiEndpoints) apiLiftThrottle(w http.ResponseWriter, r *http.Request, c *apiCall) {
	c.MemberID = r.PathValue("id")
	if err := s.Admin.LiftThrottle(r.Context(), c.Actor, s.client(r), c.OrgID, c.MemberID); err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s apiEndpoints) apiEndSessions(w http.ResponseWriter, r *http.Request, c *apiCall) {
	c.MemberID = r.PathValue("id")
	n, err := s.Admin.EndMemberSessions(r.Context(), c.Actor, s.client(r), c.OrgID, c.MemberID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Ended int `json:"ended"`
	}{n})
}
