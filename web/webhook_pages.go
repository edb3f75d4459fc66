package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/webhook"
)

var webhookNotices = map[string]string{
	"webhook_deleted": "The webhook has been deleted, with the deliveries still queued for it.",
}

type webhookListPage struct {
	Endpoints []*webhook.Endpoint
	// NewSecret is a secret just made (creation or rotation), shown this once.
	NewSecret, NewSecretFor string
	Rotated                 bool
	EventTypes              []gatehouse.EventType
}

// service returns the webhook service, or answers 404 when there is none.
func (p webhookPages) service(w http.ResponseWriter, r *http.Request) (*webhook.Service, bool) {
	if p.Webhooks == nil {
		p.fail(w, r, gatehouse.Errorf(gatehouse.NotFound, "web.webhooks", "Webhooks are not available on this server."))
		return nil, false
	}
	return p.Webhooks, true
}

func (p webhookPages) view(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, actor gatehouse.Actor, svc *webhook.Service) (*view, *webhookListPage, error) {
	es, err := svc.Endpoints(r.Context(), actor, m.OrgID)
	if err != nil {
		return nil, nil, err
	}
	d := &webhookListPage{Endpoints: es, EventTypes: gatehouse.EventTypes}
	v := adminPages(p).adminView(w, r, m, "Webhooks", "webhooks", d)
	if n := webhookNotices[r.URL.Query().Get("done")]; n != "" {
		v.Notice = n
	}
	v.Form["events"] = "*"
	return v, d, nil
}

func (p webhookPages) list(w http.ResponseWriter, r *http.Request) {
	m, actor, ok := adminPages(p).admin(w, r)
	if !ok {
		return
	}
	svc, ok := p.service(w, r)
	if !ok {
		return
	}
	v, _, err := p.view(w, r, m, actor, svc)
	if err != nil {
		adminPages(p).adminFail(w, r, m, err)
		return
	}
	p.render(w, r, http.StatusOK, "webhook_list", v)
}

// create answers with the page itself rather than a redirect: the secret
// must not travel in a URL, and is shown this once.
func (p webhookPages) create(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	m, actor, ok := adminPages(p).admin(w, r)
	if !ok {
		return
	}
	svc, ok := p.service(w, r)
	if !ok {
		return
	}
	events := strings.FieldsFunc(field(r, "events"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })
	e, secret, err := svc.Create(r.Context(), actor, p.client(r), m.OrgID, webhook.NewEndpoint{
		URL: field(r, "url"), Events: events, Description: field(r, "description")})
	v, d, verr := p.view(w, r, m, actor, svc)
	if verr != nil {
		adminPages(p).adminFail(w, r, m, verr)
		return
	}
	if err != nil {
		st, msg, _ := p.errorInfo(r, err)
		v.fieldErrors(err, msg)
		v.Form["url"], v.Form["events"], v.Form["description"] = field(r, "url"), field(r, "events"), field(r, "description")
		p.render(w, r, st, "webhook_list", v)
		return
	}
	d.NewSecret, d.NewSecretFor = secret, e.URL
	p.render(w, r, http.StatusCreated, "webhook_list", v)
}

func (p webhookPages) rotate(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	m, actor, ok := adminPages(p).admin(w, r)
	if !ok {
		return
	}
	svc, ok := p.service(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	secret, err := svc.Rotate(r.Context(), actor, p.client(r), m.OrgID, id)
	if err != nil {
		adminPages(p).adminFail(w, r, m, err)
		return
	}
	v, d, err := p.view(w, r, m, actor, svc)
	if err != nil {
		adminPages(p).adminFail(w, r, m, err)
		return
	}
	for _, e := range d.Endpoints {
		if e.ID == id {
			d.NewSecretFor = e.URL
		}
	}
	d.NewSecret, d.Rotated = secret, true
	p.render(w, r, http.StatusOK, "webhook_list", v)
}

func (p webhookPages) remove(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	m, actor, ok := adminPages(p).admin(w, r)
	if !ok {
		return
	}
	svc, ok := p.service(w, r)
	if !ok {
		return
	}
	if err := svc.Delete(r.Context(), actor, p.client(r), m.OrgID, r.PathValue("id")); err != nil {
		adminPages(p).adminFail(w, r, m, err)
		return
	}
	p.redirect(w, r, "/admin/webhooks", url.Values{"done": {"webhook_deleted"}})
}

type webhookDeliveriesPage struct {
	Endpoint   string
	Status     string
	Endpoints  []*webhook.Endpoint
	Deliveries []*webhook.Delivery
	URLs       map[string]string // endpoint id -> URL
	Pager      pager
}

// deliveries is the status page: what was delivered, what waits for a
// retry and why, what failed for good.
func (p webhookPages) deliveries(w http.ResponseWriter, r *http.Request) {
	m, actor, ok := adminPages(p).admin(w, r)
	if !ok {
		return
	}
	svc, ok := p.service(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := &webhookDeliveriesPage{Endpoint: q.Get("endpoint"), Status: q.Get("status"), URLs: map[string]string{}}
	v := adminPages(p).adminView(w, r, m, "Webhook deliveries", "webhooks", d)
	es, err := svc.Endpoints(r.Context(), actor, m.OrgID)
	if err != nil {
		adminPages(p).adminFail(w, r, m, err)
		return
	}
	d.Endpoints = es
	for _, e := range es {
		d.URLs[e.ID] = e.URL
	}
	switch webhook.Status(d.Status) {
	case "", webhook.Pending, webhook.Delivered, webhook.Failed:
	default:
		v.Fields["status"] = "Choose pending, delivered or failed."
		p.render(w, r, http.StatusUnprocessableEntity, "webhook_deliveries", v)
		return
	}
	ds, next, err := svc.Deliveries(r.Context(), actor, m.OrgID, webhook.DeliveryFilter{
		EndpointID: d.Endpoint, Status: webhook.Status(d.Status), Cursor: q.Get("cursor"), Limit: 50})
	if err != nil {
		if !gatehouse.IsCode(err, gatehouse.Invalid) {
			adminPages(p).adminFail(w, r, m, err)
			return
		}
		v.fieldErrors(err, "")
		p.render(w, r, http.StatusUnprocessableEntity, "webhook_deliveries", v)
		return
	}
	d.Deliveries = ds
	d.Pager = newPager("/admin/webhooks/deliveries", q, next)
	p.render(w, r, http.StatusOK, "webhook_deliveries", v)
}
