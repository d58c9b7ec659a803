package mail_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/mail"
)

func TestLifetime(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{300 * time.Second, "5 minutes"},
		{43200 * time.Second, "12 hours"},
		{60 * time.Second, "1 minute"},
		{90 * time.Second, "1 minute"}, // Keycloak passes whole minutes
		{3600 * time.Second, "1 hour"},
		{5400 * time.Second, "90 minutes"},
		{86400 * time.Second, "1 day"},
		{3 * 86400 * time.Second, "3 days"},
		{30 * time.Second, "0 seconds"},
		{0, "0 seconds"},
	} {
		if got := mail.Lifetime(c.d); got != c.want {
			t.Errorf("Lifetime(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestRenderVerifyEmail(t *testing.T) {
	tm, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	data := mail.VerifyEmailData{
		Realm: `Zoë's <script>alert(1)</script> & Co`, Link: "https://id.example.com/realms/demo/login-actions/action-token?key=a.b.c&client_id=app",
		Lifespan: 300 * time.Second, Code: "042917", Username: "alice", Email: "alice@example.com",
	}
	subject, text, html, err := tm.Render(mail.KindVerifyEmail, data)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Verify email" {
		t.Errorf("subject = %q", subject)
	}
	for _, want := range []string{
		"Someone has created a Zoë's <script>alert(1)</script> & Co account with this email address.",
		"\n" + data.Link + "\n", "This link will expire within 5 minutes.", "042917",
		"If you didn't create this account, just ignore this message.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	for _, want := range []string{
		"Zoë&#39;s &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co",
		`href="https://id.example.com/realms/demo/login-actions/action-token?key=a.b.c&amp;client_id=app"`,
		"This link will expire within 5 minutes.", "<b>042917</b>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Errorf("HTML carries the realm name unescaped:\n%s", html)
	}

	// Without a code, no code paragraph; an admin link lives 12 hours.
	data.Code, data.Lifespan = "", 43200*time.Second
	_, text, html, err = tm.Render(mail.KindVerifyEmail, data)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "code") || strings.Contains(html, "code") {
		t.Errorf("a mail without a code mentions one:\n%s\n%s", text, html)
	}
	if !strings.Contains(text, "within 12 hours.") {
		t.Errorf("text:\n%s", text)
	}

	// A javascript: link is neutralised in the HTML.
	data.Link = "javascript:alert(1)"
	if _, _, html, err = tm.Render(mail.KindVerifyEmail, data); err != nil || strings.Contains(html, "javascript:") {
		t.Errorf("HTML with a javascript: link (%v):\n%s", err, html)
	}
}

func TestRenderExecuteActions(t *testing.T) {
	tm, err := mail.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	subject, text, html, err := tm.Render(mail.KindExecuteActions, mail.ExecuteActionsData{
		Realm: "demo", Link: "https://id.example.com/x?key=k", Lifespan: 12 * time.Hour,
		Actions: []string{"UPDATE_PASSWORD", "VERIFY_EMAIL", "webauthn-register"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Update Your Account" {
		t.Errorf("subject = %q", subject)
	}
	want := "Your administrator has just requested that you update your demo account by performing the " +
		"following action(s): Update Password, Verify Email, webauthn-register. Click on the link below to start this process."
	if !strings.Contains(text, want) || !strings.Contains(text, "https://id.example.com/x?key=k") ||
		!strings.Contains(text, "This link will expire within 12 hours.") {
		t.Errorf("text:\n%s", text)
	}
	if !strings.Contains(html, "Update Password, Verify Email") || !strings.Contains(html, "Link to account update") {
		t.Errorf("HTML:\n%s", html)
	}
	if _, _, _, err := tm.Render("reset-password", nil); err == nil {
		t.Error("Render of an unknown kind succeeded")
	}
}

func TestTemplatesOverride(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("verify-email.subject.tmpl", "Bitte bestätigen Sie Ihre E-Mail für {{.Realm}}\n")
	write("verify-email.txt.tmpl", "Code: {{.Code}}, Link: {{.Link}}")
	write("README.md", "not a template")
	tm, err := mail.LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := mail.VerifyEmailData{Realm: "demo", Link: "https://l", Code: "123456", Lifespan: 5 * time.Minute}
	subject, text, html, err := tm.Render(mail.KindVerifyEmail, data)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Bitte bestätigen Sie Ihre E-Mail für demo" || text != "Code: 123456, Link: https://l" {
		t.Errorf("overridden: subject %q, text %q", subject, text)
	}
	if !strings.Contains(html, "within 5 minutes") {
		t.Errorf("the HTML, not overridden, should be the embedded one:\n%s", html)
	}

	// Data that would break the subject line is refused.
	data.Realm = "demo\r\nBcc: eve@example.com"
	if _, _, _, err := tm.Render(mail.KindVerifyEmail, data); !errors.Is(err, mail.ErrHeaderInjection) {
		t.Errorf("Render with a line break in the subject = %v, want ErrHeaderInjection", err)
	}

	write("verify-emial.html.tmpl", "typo")
	if _, err := mail.LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), "verify-emial.html.tmpl") {
		t.Errorf("LoadTemplates with a misnamed file = %v, want an error naming it", err)
	}
	os.Remove(filepath.Join(dir, "verify-emial.html.tmpl"))
	write("execute-actions.html.tmpl", "{{.Nope")
	if _, err := mail.LoadTemplates(dir); err == nil {
		t.Error("LoadTemplates with a broken template succeeded")
	}
	if _, err := mail.LoadTemplates(filepath.Join(dir, "missing")); err == nil {
		t.Error("LoadTemplates of a missing directory succeeded")
	}
}
