package webhook

import (
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Payload is the body of a webhook: thin, ids only. A receiver that needs
// more asks the API (GET /api/v1/members/{id}, /api/v1/audit-events).
type Payload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      Data      `json:"data"`
}

// Data is what a payload says about its event.
type Data struct {
	EventID        string `json:"event_id"`
	OrganizationID string `json:"organization_id"`
	Actor          Party  `json:"actor"`
	Target         *Party `json:"target,omitempty"`
	ClientAddress  string `json:"client_address,omitempty"`
	RequestID      string `json:"request_id,omitempty"`
}

// Party is who acted, or what was acted on.
type Party struct {
	Type string `json:"type"` // member, apikey, system
	ID   string `json:"id,omitempty"`
}

// Body returns the JSON payload of e.
func Body(e *gatehouse.AuditEvent) ([]byte, error) {
	p := Payload{Type: string(e.Type), Timestamp: e.At.UTC().Truncate(time.Millisecond), Data: Data{
		EventID: e.ID, OrganizationID: e.OrgID, Actor: Party{Type: string(e.ActorKind), ID: e.ActorID},
		ClientAddress: e.IP, RequestID: e.RequestID,
	}}
	if p.Data.Actor.Type == "" {
		p.Data.Actor.Type = string(gatehouse.ActorSystem)
	}
	if p.Data.ClientAddress == "unknown" {
		p.Data.ClientAddress = ""
	}
	if e.MemberID != "" {
		p.Data.Target = &Party{Type: "member", ID: e.MemberID}
	}
	return json.Marshal(p)
}
