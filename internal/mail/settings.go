package mail

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strconv"
	"strings"
)

// Settings is a realm's SMTP server, read from RealmRepresentation's
// smtpServer map as Keycloak stores it: every value a string, booleans
// "true" or "false". The zero value (no host) means "not configured".
type Settings struct {
	Host               string
	Port               int // 0: 465 with SSL, else 25 (JavaMail's defaults)
	From               string
	FromDisplayName    string
	ReplyTo            string
	ReplyToDisplayName string
	EnvelopeFrom       string
	SSL                bool // implicit TLS from the first byte
	StartTLS           bool // STARTTLS required; false means plain SMTP
	Auth               bool
	User               string
	// Password is never logged: String, GoString and LogValue mask it.
	Password string
}

// The smtpServer keys.
const (
	KeyHost               = "host"
	KeyPort               = "port"
	KeyFrom               = "from"
	KeyFromDisplayName    = "fromDisplayName"
	KeyReplyTo            = "replyTo"
	KeyReplyToDisplayName = "replyToDisplayName"
	KeyEnvelopeFrom       = "envelopeFrom"
	KeySSL                = "ssl"
	KeyStartTLS           = "starttls"
	KeyAuth               = "auth"
	KeyUser               = "user"
	KeyPassword           = "password"
)

// SettingError is one invalid smtpServer value, named by its key.
type SettingError struct {
	Key     string
	Problem string
}

func (e *SettingError) Error() string { return "smtpServer." + e.Key + ": " + e.Problem }

// ParseSettings reads a realm's smtpServer map. A map without a host is
// not configured: the zero Settings and no error. Otherwise every problem
// is reported, joined, each a *SettingError naming its key; no message
// quotes the password.
func ParseSettings(m map[string]string) (Settings, error) {
	host := strings.TrimSpace(m[KeyHost])
	if host == "" {
		return Settings{}, nil
	}
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, &SettingError{Key: key, Problem: fmt.Sprintf(format, a...)})
	}
	for key, v := range m {
		if strings.ContainsAny(v, "\r\n\x00") {
			bad(key, "contains a line break or NUL")
		}
	}
	s := Settings{
		Host:               host,
		From:               strings.TrimSpace(m[KeyFrom]),
		FromDisplayName:    strings.TrimSpace(m[KeyFromDisplayName]),
		ReplyTo:            strings.TrimSpace(m[KeyReplyTo]),
		ReplyToDisplayName: strings.TrimSpace(m[KeyReplyToDisplayName]),
		EnvelopeFrom:       strings.TrimSpace(m[KeyEnvelopeFrom]),
		User:               m[KeyUser],
		Password:           m[KeyPassword],
	}
	if net.ParseIP(host) == nil && strings.ContainsAny(host, " /:@[]") {
		bad(KeyHost, "%q is not a host name or address", host)
	}
	if p := strings.TrimSpace(m[KeyPort]); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			bad(KeyPort, "%q is not a port number (1-65535)", p)
		}
		s.Port = n
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{{KeySSL, &s.SSL}, {KeyStartTLS, &s.StartTLS}, {KeyAuth, &s.Auth}} {
		switch v := strings.TrimSpace(m[b.key]); v {
		case "true":
			*b.dst = true
		case "false", "":
		default:
			bad(b.key, "must be \"true\" or \"false\", got %q", v)
		}
	}
	if s.SSL && s.StartTLS {
		bad(KeyStartTLS, "cannot be \"true\" with ssl \"true\": choose implicit TLS (ssl) or STARTTLS")
	}
	if s.From == "" {
		bad(KeyFrom, "is required when a host is set")
	}
	for _, a := range []struct{ key, val string }{
		{KeyFrom, s.From}, {KeyReplyTo, s.ReplyTo}, {KeyEnvelopeFrom, s.EnvelopeFrom},
	} {
		if a.val != "" && !isBareAddress(a.val) {
			bad(a.key, "%q is not an e-mail address", a.val)
		}
	}
	if s.Auth {
		if s.User == "" {
			bad(KeyUser, "is required with auth \"true\"")
		}
		if s.Password == "" {
			bad(KeyPassword, "is required with auth \"true\"")
		} else if strings.HasPrefix(s.Password, "${vault.") {
			bad(KeyPassword, "vault references are not supported; store the password itself")
		}
	}
	if len(errs) > 0 {
		return Settings{}, errors.Join(errs...)
	}
	return s, nil
}

// Configured reports whether the realm has an SMTP server.
func (s Settings) Configured() bool { return s.Host != "" }

// port is the port to dial: the configured one or JavaMail's default.
func (s Settings) port() int {
	switch {
	case s.Port != 0:
		return s.Port
	case s.SSL:
		return 465
	}
	return 25
}

func (s Settings) masked() Settings {
	if s.Password != "" {
		s.Password = "**********"
	}
	return s
}

// String prints the settings with the password masked.
func (s Settings) String() string {
	type plain Settings // no String method: no recursion
	return fmt.Sprintf("%+v", plain(s.masked()))
}

// GoString is String, so that %#v masks the password too.
func (s Settings) GoString() string { return s.String() }

// LogValue implements slog.LogValuer: the connection, never the password.
func (s Settings) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", s.Host), slog.Int("port", s.port()), slog.Bool("ssl", s.SSL),
		slog.Bool("starttls", s.StartTLS), slog.Bool("auth", s.Auth), slog.String("from", s.From))
}

// isBareAddress accepts a single addr-spec ("a@example.com"), without a
// display name or angle brackets: names have their own keys.
func isBareAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}
