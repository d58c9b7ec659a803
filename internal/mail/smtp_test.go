package mail_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/mail"
	"github.com/latchkey/latchkey/internal/model"
)

// parsed is a received message taken apart.
type parsed struct {
	Header netmail.Header
	Text   string
	HTML   string
}

// parseMessage reads an RFC 5322 message with a text/plain and text/html
// multipart/alternative body (or a single text part).
func parseMessage(t *testing.T, data []byte) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, data)
	}
	p := parsed{Header: msg.Header}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, _ := io.ReadAll(msg.Body)
		p.Text = string(b)
		return p
	}
	if mt != "multipart/alternative" {
		t.Errorf("Content-Type = %s, want multipart/alternative", mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(part) // quoted-printable is decoded by NextPart
		if err != nil {
			t.Fatal(err)
		}
		body := strings.ReplaceAll(string(b), "\r\n", "\n")
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			p.Text = body
		case "text/html":
			p.HTML = body
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
	return p
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("decoding %q: %v", v, err)
	}
	return s
}

func testMessage() *model.OutboxMessage {
	return &model.OutboxMessage{
		ID: "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000", RealmID: "r", Kind: mail.KindVerifyEmail,
		To: "alice@example.com", Subject: "Verify email — Zoë",
		Text: "Hello Zoë\n\nhttps://id.example.com/link?key=abc\n",
		HTML: `<p>Hello Zoë</p><p><a href="https://id.example.com/link?key=abc">link</a></p>`,
	}
}

func send(t *testing.T, c *mail.SMTP, s mail.Settings, m *model.OutboxMessage) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	return c.Send(ctx, s, m)
}

func TestSendPlainWithHeaders(t *testing.T) {
	srv := startServer(t, serverOpts{})
	set := srv.parsed(t, map[string]string{
		"fromDisplayName": "Zoë's Realm", "replyTo": "help@example.com",
		"replyToDisplayName": "Help Desk", "envelopeFrom": "bounces@example.com",
	})
	if err := send(t, &mail.SMTP{}, set, testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.waitMessages(1)[0]
	if got.TLS || got.User != "" {
		t.Errorf("TLS %v, user %q: want a plain session without AUTH", got.TLS, got.User)
	}
	if got.From != "bounces@example.com" || len(got.To) != 1 || got.To[0] != "alice@example.com" {
		t.Errorf("envelope: MAIL FROM %q, RCPT TO %q", got.From, got.To)
	}
	p := parseMessage(t, got.Data)
	from, err := p.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Zoë's Realm" || from[0].Address != "noreply@example.com" {
		t.Errorf("From = %v (%v), raw %q", from, err, p.Header.Get("From"))
	}
	reply, err := p.Header.AddressList("Reply-To")
	if err != nil || len(reply) != 1 || reply[0].Name != "Help Desk" || reply[0].Address != "help@example.com" {
		t.Errorf("Reply-To = %v (%v)", reply, err)
	}
	if to := p.Header.Get("To"); !strings.Contains(to, "alice@example.com") {
		t.Errorf("To = %q", to)
	}
	if s := decodeHeader(t, p.Header.Get("Subject")); s != "Verify email — Zoë" {
		t.Errorf("Subject = %q", s)
	}
	if id := p.Header.Get("Message-ID"); id != "<0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000@example.com>" {
		t.Errorf("Message-ID = %q, want one derived from the outbox id", id)
	}
	if _, err := p.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if !strings.Contains(p.Text, "Hello Zoë") || !strings.Contains(p.Text, "https://id.example.com/link?key=abc") {
		t.Errorf("text part = %q", p.Text)
	}
	if !strings.Contains(p.HTML, `<a href="https://id.example.com/link?key=abc">`) {
		t.Errorf("HTML part = %q", p.HTML)
	}
}

func TestSendEnvelopeFromDefaultsToFrom(t *testing.T) {
	srv := startServer(t, serverOpts{})
	if err := send(t, &mail.SMTP{}, srv.parsed(t, nil), testMessage()); err != nil {
		t.Fatal(err)
	}
	got := srv.waitMessages(1)[0]
	if got.From != "noreply@example.com" {
		t.Errorf("MAIL FROM %q, want the From address", got.From)
	}
	p := parseMessage(t, got.Data)
	if p.Header.Get("Reply-To") != "" {
		t.Errorf("Reply-To = %q, want none", p.Header.Get("Reply-To"))
	}
}

// go-mail requires STARTTLS unless told otherwise: starttls "false" must
// give a plain session even when the server offers STARTTLS.
func TestStartTLSFalseIsReallyPlain(t *testing.T) {
	srv := startServer(t, serverOpts{starttls: true})
	c := &mail.SMTP{TLSConfig: selfSigned(t).client}
	if err := send(t, c, srv.parsed(t, map[string]string{"starttls": "false"}), testMessage()); err != nil {
		t.Fatal(err)
	}
	if got := srv.waitMessages(1)[0]; got.TLS {
		t.Error("starttls \"false\" upgraded the session to TLS")
	}
}

func TestStartTLS(t *testing.T) {
	srv := startServer(t, serverOpts{starttls: true})
	set := srv.parsed(t, map[string]string{"starttls": "true"})
	if err := send(t, &mail.SMTP{TLSConfig: selfSigned(t).client}, set, testMessage()); err != nil {
		t.Fatal(err)
	}
	if got := srv.waitMessages(1)[0]; !got.TLS {
		t.Error("starttls \"true\" sent in clear")
	}

	t.Run("untrusted certificate", func(t *testing.T) {
		if err := send(t, &mail.SMTP{}, set, testMessage()); err == nil {
			t.Error("Send trusted a self-signed certificate")
		}
	})
	t.Run("server without STARTTLS", func(t *testing.T) {
		plain := startServer(t, serverOpts{})
		err := send(t, &mail.SMTP{TLSConfig: selfSigned(t).client},
			plain.parsed(t, map[string]string{"starttls": "true"}), testMessage())
		if err == nil || len(plain.Messages()) != 0 {
			t.Errorf("Send = %v with %d messages delivered; want an error and nothing sent in clear",
				err, len(plain.Messages()))
		}
	})
}

func TestImplicitTLS(t *testing.T) {
	srv := startServer(t, serverOpts{implicitTLS: true})
	set := srv.parsed(t, map[string]string{"ssl": "true"})
	if err := send(t, &mail.SMTP{TLSConfig: selfSigned(t).client}, set, testMessage()); err != nil {
		t.Fatal(err)
	}
	if got := srv.waitMessages(1)[0]; !got.TLS {
		t.Error("ssl \"true\" sent in clear")
	}
}

func TestAuth(t *testing.T) {
	users := map[string]string{"apikey": "s3cret-Pässword"}
	auth := map[string]string{"auth": "true", "user": "apikey", "password": "s3cret-Pässword"}
	withTLS := func(extra map[string]string) map[string]string {
		m := map[string]string{"starttls": "true"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	client := &mail.SMTP{TLSConfig: selfSigned(t).client}

	for _, mechs := range [][]string{{"PLAIN"}, {"LOGIN"}, {"LOGIN", "PLAIN"}} {
		t.Run(strings.Join(mechs, "+"), func(t *testing.T) {
			srv := startServer(t, serverOpts{starttls: true, users: users, mechs: mechs})
			if err := send(t, client, srv.parsed(t, withTLS(auth)), testMessage()); err != nil {
				t.Fatal(err)
			}
			if got := srv.waitMessages(1)[0]; got.User != "apikey" || !got.TLS {
				t.Errorf("user %q, TLS %v", got.User, got.TLS)
			}
		})
	}
	t.Run("wrong password", func(t *testing.T) {
		srv := startServer(t, serverOpts{starttls: true, users: users})
		bad := withTLS(map[string]string{"auth": "true", "user": "apikey", "password": "wrong"})
		err := send(t, client, srv.parsed(t, bad), testMessage())
		if err == nil || len(srv.Messages()) != 0 {
			t.Fatalf("Send = %v, %d delivered; want an error", err, len(srv.Messages()))
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Errorf("the error quotes the password: %v", err)
		}
	})
	t.Run("no auth when the server wants it", func(t *testing.T) {
		srv := startServer(t, serverOpts{starttls: true, users: users})
		if err := send(t, client, srv.parsed(t, withTLS(nil)), testMessage()); err == nil {
			t.Error("Send without AUTH succeeded against a server that requires it")
		}
	})
	t.Run("plain to loopback", func(t *testing.T) {
		srv := startServer(t, serverOpts{users: users})
		if err := send(t, client, srv.parsed(t, auth), testMessage()); err != nil {
			t.Fatal(err)
		}
		if got := srv.waitMessages(1)[0]; got.User != "apikey" || got.TLS {
			t.Errorf("user %q, TLS %v", got.User, got.TLS)
		}
	})
	t.Run("plain across a network is refused", func(t *testing.T) {
		// Refused before dialling: nothing leaves the machine.
		set, err := mail.ParseSettings(map[string]string{"host": "smtp.example.com", "port": "25",
			"from": "noreply@example.com", "auth": "true", "user": "apikey", "password": "s3cret"})
		if err != nil {
			t.Fatal(err)
		}
		err = send(t, &mail.SMTP{Timeout: 200 * time.Millisecond}, set, testMessage())
		if err == nil || !strings.Contains(err.Error(), "in clear") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Send = %v, want a refusal naming the problem, without the password", err)
		}
	})
}

func TestServerDown(t *testing.T) {
	srv := startServer(t, serverOpts{})
	set := srv.parsed(t, nil)
	srv.Stop()
	err := send(t, &mail.SMTP{}, set, testMessage())
	if err == nil {
		t.Fatal("Send to a stopped server succeeded")
	}
	if mail.IsPermanent(err) {
		t.Errorf("a server that is down is a permanent failure: %v", err)
	}
}

func TestRejectedRecipientIsPermanent(t *testing.T) {
	srv := startServer(t, serverOpts{})
	m := testMessage()
	m.To = "nobody@example.com"
	err := send(t, &mail.SMTP{}, srv.parsed(t, nil), m)
	if !mail.IsPermanent(err) {
		t.Errorf("Send to a refused recipient = %v, want a permanent error", err)
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	srv := startServer(t, serverOpts{})
	set := srv.parsed(t, nil)
	for name, edit := range map[string]func(*model.OutboxMessage){
		"to with CRLF":      func(m *model.OutboxMessage) { m.To = "alice@example.com\r\nBcc: eve@example.com" },
		"to with LF":        func(m *model.OutboxMessage) { m.To = "alice@example.com\nBcc: eve@example.com" },
		"subject with CRLF": func(m *model.OutboxMessage) { m.Subject = "Hi\r\nBcc: eve@example.com" },
		"subject with CR":   func(m *model.OutboxMessage) { m.Subject = "Hi\rBcc: eve@example.com" },
		"two recipients":    func(m *model.OutboxMessage) { m.To = "alice@example.com, eve@example.com" },
		"display name form": func(m *model.OutboxMessage) { m.To = "Eve <eve@example.com>" },
	} {
		t.Run(name, func(t *testing.T) {
			m := testMessage()
			edit(m)
			err := send(t, &mail.SMTP{}, set, m)
			if err == nil || !mail.IsPermanent(err) {
				t.Errorf("Send = %v, want a permanent refusal", err)
			}
		})
	}
	// The realm's names and addresses cannot carry headers either.
	for _, key := range []string{"fromDisplayName", "replyToDisplayName", "from", "replyTo", "envelopeFrom", "host"} {
		_, err := mail.ParseSettings(srv.settings(map[string]string{key: "x@example.com\r\nBcc: eve@example.com"}))
		var se *mail.SettingError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "smtpServer."+key) {
			t.Errorf("ParseSettings with a line break in %s = %v, want an error naming it", key, err)
		}
	}
	// A Settings built by hand is checked again when sending.
	set.FromDisplayName = "Evil\r\nBcc: eve@example.com"
	if err := send(t, &mail.SMTP{}, set, testMessage()); !errors.Is(err, mail.ErrHeaderInjection) {
		t.Errorf("Send with a line break in the display name = %v, want ErrHeaderInjection", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages reached the server", n)
	}
}

// A server that accepts the connection and never answers: the per-read
// timeout, or ending ctx, gets the sender out.
func TestStuckServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	set, err := mail.ParseSettings(map[string]string{"host": "127.0.0.1", "port": strconv.Itoa(port), "from": "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("read timeout", func(t *testing.T) {
		if err := send(t, &mail.SMTP{Timeout: 200 * time.Millisecond}, set, testMessage()); err == nil {
			t.Error("Send to a silent server succeeded")
		}
	})
	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		err := (&mail.SMTP{}).Send(ctx, set, testMessage())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Send = %v, want the context's error", err)
		}
	})
}
