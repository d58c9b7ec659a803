package verify_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/latchkey/latchkey/internal/testenv"
)

// smtpServer is a real SMTP server on loopback (github.com/emersion/go-smtp)
// that keeps the messages it accepts. Stop and Start bring it down and up
// on the same port, for the tests of a server that is away for a while.
type smtpServer struct {
	t    *testing.T
	Port int

	mu   sync.Mutex
	srv  *smtp.Server
	ln   net.Listener
	msgs []mailMsg
}

// mailMsg is an accepted message, parsed.
type mailMsg struct {
	From, To      string
	Subject       string
	Text, HTML    string
	Header        netmail.Header
	Link, Code    string // from the text part
	HTMLLink      string // from the HTML part, unescaped
	HTMLCode      string
	Raw           []byte
	ContentHeader string
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	s := &smtpServer{t: t}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start listens on 127.0.0.1, on the port of the previous Start if any.
func (s *smtpServer) Start() {
	s.t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(s.Port)
	var ln net.Listener
	var err error
	// A port just freed may take a moment to rebind.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		s.t.Fatal(err)
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.Port = ln.Addr().(*net.TCPAddr).Port
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Stop closes the listener and every session.
func (s *smtpServer) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		_ = s.ln.Close()
		_ = s.srv.Close()
		s.ln, s.srv = nil, nil
	}
}

// settingsJSON is the realm's smtpServer pointing at this server.
func (s *smtpServer) settingsJSON() string {
	return `{"host":"127.0.0.1","port":"` + strconv.Itoa(s.Port) +
		`","from":"noreply@test.local","starttls":"false","ssl":"false","auth":"false"}`
}

// Messages returns what the server accepted so far.
func (s *smtpServer) Messages() []mailMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mailMsg(nil), s.msgs...)
}

// deliver runs the app's outbox worker until the server holds n messages,
// failing after a deadline, and returns the n-th (1-based).
func (s *smtpServer) deliver(ts *testenv.Server, n int) mailMsg {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ts.App.Outbox().RunOnce(context.Background())
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs[n-1]
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the SMTP server received %d messages, want %d", len(s.Messages()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settle runs the outbox worker until nothing is due and returns how many
// messages the server holds: nothing is left to arrive after it.
func (s *smtpServer) settle(ts *testenv.Server) int {
	s.t.Helper()
	for ts.App.Outbox().RunOnce(context.Background()) > 0 {
	}
	return len(s.Messages())
}

type backend struct{ s *smtpServer }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s        *smtpServer
	from, to string
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error   { x.to = to; return nil }
func (x *session) Reset()                                      { x.from, x.to = "", "" }
func (x *session) Logout() error                               { return nil }

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parseMail(b)
	if err != nil {
		x.s.t.Errorf("the server received an unreadable message: %v\n%s", err, b)
		return err
	}
	m.From, m.To = x.from, x.to
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.mu.Unlock()
	return nil
}

var (
	linkRE     = regexp.MustCompile(`https?://[^\s"<>]+/login-actions/action-token\?key=[A-Za-z0-9_.\-]+`)
	codeTextRE = regexp.MustCompile(`code in the app instead: (\d{6})\n`)
	codeHTMLRE = regexp.MustCompile(`<b>(\d{6})</b>`)
	hrefRE     = regexp.MustCompile(`href="([^"]+)"`)
)

// parseMail reads the multipart/alternative message the outbox sends.
func parseMail(data []byte) (mailMsg, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return mailMsg{}, err
	}
	m := mailMsg{Header: msg.Header, Raw: data, ContentHeader: msg.Header.Get("Content-Type")}
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return m, err
	}
	mt, params, err := mime.ParseMediaType(m.ContentHeader)
	if err != nil {
		return m, err
	}
	if mt == "multipart/alternative" {
		mr := multipart.NewReader(msg.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			} else if err != nil {
				return m, err
			}
			b, err := io.ReadAll(part) // quoted-printable is decoded by NextPart
			if err != nil {
				return m, err
			}
			body := strings.ReplaceAll(string(b), "\r\n", "\n")
			switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
			case "text/plain":
				m.Text = body
			case "text/html":
				m.HTML = body
			}
		}
	}
	m.Link = linkRE.FindString(m.Text)
	if c := codeTextRE.FindStringSubmatch(m.Text); c != nil {
		m.Code = c[1]
	}
	if c := codeHTMLRE.FindStringSubmatch(m.HTML); c != nil {
		m.HTMLCode = c[1]
	}
	if h := hrefRE.FindStringSubmatch(m.HTML); h != nil {
		m.HTMLLink = html.UnescapeString(h[1])
	}
	return m, nil
}
