package verify_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/mail"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// messagesTo lists the realm's outbox messages to an address.
func (e *env) messagesTo(to string) []model.OutboxMessage {
	e.t.Helper()
	msgs, err := e.s.Store.ListMessages(context.Background(), e.s.Realm("demo").ID, to, store.Page{})
	if err != nil {
		e.t.Fatal(err)
	}
	return msgs
}

// The SMTP server is down when the user registers: the registration still
// succeeds, the mail waits in the outbox with the failure recorded, and it
// is delivered once the server is back.
func TestSMTPServerDownAtRegistration(t *testing.T) {
	backends(t, func(t *testing.T, opts ...func(*config.Config)) {
		e := newEnv(t, "", nil, opts...)
		// Retry at once rather than after 30 s; the schedule is tested in
		// package mail.
		e.s.App.Outbox().Retry = mail.Retry{First: time.Millisecond, Max: time.Millisecond}
		e.smtp.Stop()

		e.register("demo", nil)
		for range 3 {
			e.s.App.Outbox().RunOnce(context.Background())
			time.Sleep(2 * time.Millisecond)
		}
		msgs := e.messagesTo("jdoe@example.com")
		if len(msgs) != 1 || msgs[0].Status != model.MessagePending || msgs[0].Attempts < 2 || msgs[0].LastError == "" {
			t.Fatalf("outbox while the server is down: %+v", msgs)
		}
		if n := len(e.events("demo", "SEND_VERIFY_EMAIL")); n != 1 {
			t.Errorf("%d SEND_VERIFY_EMAIL events, want 1", n)
		}
		e.wantNotSetUp("demo", "jdoe")

		e.smtp.Start()
		m := e.smtp.deliver(e.s, 1)
		checkVerifyMail(t, e.s.URL, m)
		if n := e.smtp.settle(e.s); n != 1 {
			t.Errorf("%d mails delivered, want exactly 1", n)
		}
		msgs = e.messagesTo("jdoe@example.com")
		if len(msgs) != 1 || msgs[0].Status != model.MessageSent {
			t.Errorf("outbox after delivery: %+v", msgs)
		}
		if r := e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}); r.Status != http.StatusNoContent {
			t.Fatalf("code: %d %s", r.Status, r.Body)
		}
		e.wantLogin("demo", "jdoe")
	})
}

// User data in the mail's HTML part is escaped. Markup in names is
// refused before it gets anywhere near a mail (Keycloak's person-name
// validator, on registration and in the admin API); what remains is the
// realm's display name, and characters such as the apostrophe, which a
// template greeting the user (overridden from mail-templates-dir) shows.
func TestMailHTMLEscapesData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	greeting := `<p>Hello {{.FirstName}} {{.LastName}} ({{.Username}}), welcome to {{.Realm}}.</p>
<p><a href="{{.Link}}">Verify</a></p>{{if .Code}}<p><b>{{.Code}}</b></p>{{end}}`
	if err := os.WriteFile(filepath.Join(dir, "verify-email.html.tmpl"), []byte(greeting), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, `"displayName": "Acme <script>alert(1)</script> & Co",`, nil,
		func(c *config.Config) { c.MailTemplatesDir = dir })
	for _, path := range []string{"/realms/demo/protocol/openid-connect/registrations", "/admin/realms/demo/users"} {
		r := e.call(http.MethodPost, path, e.adminToken(), map[string]any{"username": "x", "email": "x@example.com",
			"password": password, "firstName": `<script>alert("x")</script>`, "lastName": `<img src=x onerror=alert(1)>`})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "error-person-name-invalid-character") {
			t.Errorf("%s with markup in names: %d %s", path, r.Status, r.Body)
		}
	}
	e.register("demo", map[string]any{"firstName": "Zoë", "lastName": "O'Brien"})
	m := e.smtp.deliver(e.s, 1)
	for _, bad := range []string{"<script", "O'Brien"} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("the HTML part carries %q unescaped:\n%s", bad, m.HTML)
		}
	}
	if !strings.Contains(m.HTML, "Hello Zoë O&#39;Brien (jdoe), welcome to Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co.") {
		t.Errorf("the HTML part does not greet the user, escaped:\n%s", m.HTML)
	}
	if m.HTMLLink != m.Link || m.HTMLCode != m.Code {
		t.Errorf("the overridden template's link %q / code %q differ from the text's", m.HTMLLink, m.HTMLCode)
	}
	// The text part is plain text: the name as given, not entities.
	if !strings.Contains(m.Text, "Acme <script>alert(1)</script> & Co account") {
		t.Errorf("text part:\n%s", m.Text)
	}
	// The result page escapes the display name too.
	r := e.get(m.Link)
	if strings.Contains(r.Body, "<script") || !strings.Contains(r.Body, "Acme &lt;script&gt;") {
		t.Errorf("result page:\n%s", r.Body)
	}
}

// A verify-email mail given up after its last attempt is recorded as
// Keycloak records a failed send: SEND_VERIFY_EMAIL_ERROR, email_send_failed.
func TestMailGivenUpIsAnEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", nil)
	e.s.App.Outbox().Retry = mail.Retry{First: time.Millisecond, Max: time.Millisecond, Attempts: 2}
	e.smtp.Stop()
	e.register("demo", nil)
	u := e.user("demo", "jdoe")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		e.s.App.Outbox().RunOnce(context.Background())
		if msgs := e.messagesTo("jdoe@example.com"); len(msgs) == 1 && msgs[0].Status == model.MessageFailed {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the message was not given up: %+v", msgs)
		}
	}
	evs := e.events("demo", "SEND_VERIFY_EMAIL_ERROR")
	if len(evs) != 1 || evs[0].Error != "email_send_failed" || evs[0].UserID != u.ID ||
		evs[0].Details["email"] != "jdoe@example.com" {
		t.Errorf("events %+v", evs)
	}
	// The account can ask for another mail once the server is back.
	e.smtp.Start()
	if r := e.resend("demo", map[string]any{"email": "jdoe@example.com"}); r.Status != http.StatusNoContent {
		t.Fatalf("resend: %d %s", r.Status, r.Body)
	}
	m := e.smtp.deliver(e.s, 1)
	if r := e.verifyCode("demo", map[string]any{"email": "jdoe@example.com", "code": m.Code}); r.Status != http.StatusNoContent {
		t.Fatalf("code: %d %s", r.Status, r.Body)
	}
}
