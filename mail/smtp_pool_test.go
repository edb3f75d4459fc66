package mail_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/mail"
)

// TestSMTPReusesConnections: messages sent one after the other share one
// connection, encrypted and authenticated once; when the server has closed
// the kept connection meanwhile, the next message goes through a new one,
// never lost and never sent twice.
func TestSMTPReusesConnections(t *testing.T) {
	srv := gatehousetest.NewSMTPServer(t, gatehousetest.SMTPStartTLS, gatehousetest.SMTPRequireAuth)
	tr := open(t, srv.URL(), mail.Options{RootCAs: srv.CertPool()})
	for i := range 5 {
		if err := send(t, tr); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	if n, c := len(srv.Messages()), srv.Connections(); n != 5 || c != 1 {
		t.Errorf("5 messages: the server received %d over %d connections, want 5 over 1", n, c)
	}
	for _, m := range srv.Messages() {
		if !m.TLS || m.User != gatehousetest.SMTPUser {
			t.Errorf("a message on the kept connection: TLS %v, user %q", m.TLS, m.User)
		}
	}
	// The server restarts: the kept connection is dead.
	srv.Stop()
	srv.Start()
	if err := send(t, tr); err != nil {
		t.Fatalf("after the server closed the kept connection: %v", err)
	}
	if n, c := len(srv.Messages()), srv.Connections(); n != 6 || c != 2 {
		t.Errorf("the server received %d messages over %d connections, want 6 over 2", n, c)
	}
}
