package mail_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/latchkey/latchkey/internal/mail"
)

// received is one message the test server accepted.
type received struct {
	From string
	To   []string
	Data []byte
	User string // who authenticated, "" for nobody
	TLS  bool   // whether the session was encrypted when DATA came
}

// serverOpts shape the test SMTP server.
type serverOpts struct {
	starttls    bool              // offer STARTTLS
	implicitTLS bool              // TLS from the first byte
	users       map[string]string // require AUTH with these passwords
	mechs       []string          // AUTH mechanisms offered (default PLAIN)
}

// smtpServer is a real SMTP server on loopback (github.com/emersion/go-smtp)
// that keeps what it receives.
type smtpServer struct {
	t    *testing.T
	Host string
	Port int
	opts serverOpts
	srv  *smtp.Server
	ln   net.Listener

	mu   sync.Mutex
	msgs []received
}

// testCert is a self-signed certificate for 127.0.0.1 and localhost, and
// a client configuration trusting it.
type testCert struct {
	server *tls.Config
	client *tls.Config
}

var (
	certOnce sync.Once
	cert     testCert
)

func selfSigned(t *testing.T) testCert {
	t.Helper()
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "latchkey test SMTP"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			DNSNames:     []string{"localhost"},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		parsed, err := x509.ParseCertificate(der)
		if err != nil {
			panic(err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(parsed)
		cert = testCert{
			server: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
			client: &tls.Config{RootCAs: pool},
		}
	})
	return cert
}

// startServer listens on 127.0.0.1 (port 0 unless port is given) until the
// test ends.
func startServer(t *testing.T, opts serverOpts, port ...int) *smtpServer {
	t.Helper()
	s := &smtpServer{t: t, opts: opts}
	s.srv = smtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.AllowInsecureAuth = true // loopback: the client decides whether to send a password in clear
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	if opts.starttls {
		s.srv.TLSConfig = selfSigned(t).server
	}
	addr := "127.0.0.1:0"
	if len(port) > 0 {
		addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port[0]))
	}
	var ln net.Listener
	var err error
	// A port just freed by a stopped server may take a moment to rebind.
	for deadline := time.Now().Add(5 * time.Second); ; {
		ln, err = net.Listen("tcp", addr)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if opts.implicitTLS {
		ln = tls.NewListener(ln, selfSigned(t).server)
	}
	s.ln = ln
	s.Host = "127.0.0.1"
	s.Port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(s.Stop)
	return s
}

// Stop closes the listener and every session. The listener is closed
// here too: Serve, in its goroutine, may not have registered it yet.
func (s *smtpServer) Stop() {
	_ = s.ln.Close()
	_ = s.srv.Close()
}

// Messages returns what the server accepted so far.
func (s *smtpServer) Messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// waitMessages polls until the server holds n messages (failing after a
// deadline) and returns them.
func (s *smtpServer) waitMessages(n int) []received {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs := s.Messages()
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the SMTP server received %d messages, want %d", len(msgs), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settings points a realm's smtpServer at this server.
func (s *smtpServer) settings(extra map[string]string) map[string]string {
	m := map[string]string{
		"host": s.Host, "port": strconv.Itoa(s.Port), "from": "noreply@example.com",
		"starttls": "false", "ssl": "false", "auth": "false",
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func (s *smtpServer) parsed(t *testing.T, extra map[string]string) mail.Settings {
	t.Helper()
	set, err := mail.ParseSettings(s.settings(extra))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// NewSession implements smtp.Backend.
func (s *smtpServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

type session struct {
	srv  *smtpServer
	conn *smtp.Conn
	user string
	cur  received
}

var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}

func (s *session) AuthMechanisms() []string {
	if s.srv.opts.users == nil {
		return nil
	}
	if len(s.srv.opts.mechs) > 0 {
		return s.srv.opts.mechs
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if want, ok := s.srv.opts.users[user]; !ok || want != pass {
			return errors.New("invalid credentials")
		}
		s.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, errors.New("unsupported mechanism")
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.opts.users != nil && s.user == "" {
		return errAuthRequired
	}
	s.cur = received{From: from, User: s.user}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == "nobody@example.com" {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	_, s.cur.TLS = s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, s.cur)
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl lacks.
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if len(resp) == 0 {
			return []byte("Username:"), false, nil
		}
		l.user = string(resp)
		l.step++
		return []byte("Password:"), false, nil
	case 1:
		l.step++
		l.user = string(resp)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(resp))
	}
}
