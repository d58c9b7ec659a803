package crashtest_test

import (
	"bytes"
	"io"
	"log"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is an SMTP server on loopback (github.com/emersion/go-smtp) that
// keeps the headers of every message it accepts. It outlives the latchkey
// runs, so that a mail accepted just before a kill is still counted.
type sink struct {
	Port int
	srv  *smtp.Server

	mu   sync.Mutex
	msgs []mailMsg
	last time.Time // when the last message arrived
}

// mailMsg is one accepted message.
type mailMsg struct {
	Rcpt      string // envelope recipient, lower-cased
	MessageID string
	Subject   string
}

func startSink(t *testing.T) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{Port: ln.Addr().(*net.TCPAddr).Port}
	s.srv = smtp.NewServer(sinkBackend{s})
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 30*time.Second, 30*time.Second
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// settings is the realm's smtpServer pointing at the sink.
func (s *sink) settings() map[string]string {
	return map[string]string{"host": "127.0.0.1", "port": strconv.Itoa(s.Port),
		"from": "noreply@crash.example", "starttls": "false", "ssl": "false", "auth": "false"}
}

// messages returns what the sink accepted so far.
func (s *sink) messages() []mailMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mailMsg(nil), s.msgs...)
}

// quietFor is how long ago the last message arrived.
func (s *sink) quietFor() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Since(s.last)
}

type sinkBackend struct{ s *sink }

func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: b.s}, nil }

type sinkSession struct {
	s   *sink
	rcp []string
}

func (x *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.rcp = append(x.rcp, strings.ToLower(to))
	return nil
}
func (x *sinkSession) Reset()        { x.rcp = nil }
func (x *sinkSession) Logout() error { return nil }

// Data keeps the message once it is whole: a run killed in the middle of
// DATA leaves nothing behind, as with a real server.
func (x *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := netmail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	for _, to := range x.rcp {
		x.s.msgs = append(x.s.msgs, mailMsg{Rcpt: to, MessageID: m.Header.Get("Message-ID"),
			Subject: m.Header.Get("Subject")})
	}
	x.s.last = time.Now()
	return nil
}
