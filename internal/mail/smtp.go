package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/latchkey/latchkey/internal/model"
)

// Sender delivers one message with a realm's settings.
type Sender interface {
	Send(ctx context.Context, s Settings, m *model.OutboxMessage) error
}

// DefaultTimeout bounds connecting and each read or write, as Keycloak's
// connectiontimeout and timeout (10 s) do.
const DefaultTimeout = 10 * time.Second

// SMTP sends through the realm's SMTP server with go-mail.
//
// ssl "true" is implicit TLS; starttls "true" requires STARTTLS (a server
// that does not offer it is an error); with both "false" the session is
// plain SMTP: go-mail would otherwise insist on STARTTLS. auth "true" logs
// in with PLAIN, or LOGIN when the server offers only that, and only over
// TLS or to a loopback server: a password is never sent in clear across a
// network.
type SMTP struct {
	// TLSConfig is the base TLS configuration (nil: the system roots);
	// ServerName is set to the realm's host.
	TLSConfig *tls.Config
	// Timeout replaces DefaultTimeout when positive.
	Timeout time.Duration
	// Now is the clock for the Date header (nil: time.Now).
	Now func() time.Time
}

var _ Sender = (*SMTP)(nil)

// Send implements Sender. Ending ctx aborts the session at once.
func (c *SMTP) Send(ctx context.Context, s Settings, m *model.OutboxMessage) error {
	if !s.Configured() {
		return errors.New("mail: the realm has no SMTP server configured")
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	msg, err := newMsg(s, m, now())
	if err != nil {
		return err
	}
	if s.Auth && !s.SSL && !s.StartTLS && !isLoopback(s.Host) {
		return fmt.Errorf("mail: smtpServer has auth \"true\" but neither ssl nor starttls: "+
			"the password would cross the network to %s in clear", s.Host)
	}
	timeout := DefaultTimeout
	if c.Timeout > 0 {
		timeout = c.Timeout
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLSConfig != nil {
		tlsConfig = c.TLSConfig.Clone()
	}
	tlsConfig.ServerName = s.Host

	// go-mail bounds the dial but not the commands after it; every read
	// and write gets its own deadline here, and ending ctx closes the
	// connection, whatever go-mail is waiting for.
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: timeout}
		raw, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		conns = append(conns, raw)
		mu.Unlock()
		conn := &deadlineConn{Conn: raw, timeout: timeout}
		if !s.SSL {
			return conn, nil
		}
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(dctx); err != nil {
			raw.Close()
			return nil, err
		}
		return tc, nil
	}
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	defer stop()

	opts := []gomail.Option{
		gomail.WithPort(s.port()), gomail.WithTimeout(timeout), gomail.WithDialContextFunc(dial),
		gomail.WithTLSConfig(tlsConfig),
	}
	switch {
	case s.SSL:
		opts = append(opts, gomail.WithSSL())
	case s.StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.Auth {
		opts = append(opts, gomail.WithSMTPAuthCustom(&plainOrLogin{user: s.User, pass: s.Password, host: s.Host}))
	}
	client, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return errors.Join(ctx.Err(), err)
	}
	var se *gomail.SendError
	if errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo && se.ErrorCode() >= 500 {
		return &PermanentError{fmt.Errorf("mail: smtp %s:%d: %w", s.Host, s.port(), err)}
	}
	return fmt.Errorf("mail: smtp %s:%d: %w", s.Host, s.port(), err)
}

// deadlineConn gives every read and write its own deadline: an idle
// timeout, which a slow but live server survives and a stuck one does not.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// plainOrLogin picks PLAIN, or LOGIN when the server offers only that, once
// it has seen the server's mechanisms. go-mail's own implementations do
// the exchange and refuse to run without TLS except to localhost.
type plainOrLogin struct {
	user, pass, host string
	chosen           smtp.Auth
}

func (a *plainOrLogin) Start(server *smtp.ServerInfo) (string, []byte, error) {
	switch {
	case slices.Contains(server.Auth, "PLAIN"):
		a.chosen = smtp.PlainAuth("", a.user, a.pass, a.host, false)
	case slices.Contains(server.Auth, "LOGIN"):
		a.chosen = smtp.LoginAuth(a.user, a.pass, a.host, false)
	default:
		return "", nil, fmt.Errorf("mail: the server offers neither AUTH PLAIN nor LOGIN (it offers %v)", server.Auth)
	}
	return a.chosen.Start(server)
}

func (a *plainOrLogin) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.chosen.Next(fromServer, more)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
