package mail

import (
	"errors"
	"fmt"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/latchkey/latchkey/internal/model"
)

// devFrom is the sender of mails written by the dev sink when the realm
// names none.
const devFrom = "latchkey@localhost"

// ErrHeaderInjection refuses a header value with a line break: a name,
// address or subject must never be able to add headers or a body.
var ErrHeaderInjection = errors.New("mail: line break in a header value")

// PermanentError marks a failure that retrying cannot fix (a malformed
// message, a recipient the server refuses for good): the outbox gives up
// at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

func checkHeader(name, v string) error {
	if strings.ContainsAny(v, "\r\n\x00") {
		return fmt.Errorf("%w: %s", ErrHeaderInjection, name)
	}
	return nil
}

// newMsg builds the RFC 5322 message of m as the realm's settings say it
// is sent: From with its display name, Reply-To, the envelope sender, and a
// multipart/alternative body of text and HTML (text alone when there is no
// HTML). The Message-ID derives from the outbox id, so that every attempt
// at one message carries the same id. A bad header is a PermanentError.
func newMsg(s Settings, m *model.OutboxMessage, now time.Time) (*gomail.Msg, error) {
	from := s.From
	if from == "" {
		from = devFrom
	}
	for _, h := range []struct{ name, v string }{
		{"To", m.To}, {"Subject", m.Subject}, {"From", from}, {"From display name", s.FromDisplayName},
		{"Reply-To", s.ReplyTo}, {"Reply-To display name", s.ReplyToDisplayName},
		{"envelope from", s.EnvelopeFrom},
	} {
		if err := checkHeader(h.name, h.v); err != nil {
			return nil, &PermanentError{err}
		}
	}
	if !isBareAddress(m.To) {
		return nil, &PermanentError{fmt.Errorf("mail: recipient %q is not an e-mail address", m.To)}
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	var err error
	if s.FromDisplayName != "" {
		err = msg.FromFormat(s.FromDisplayName, from)
	} else {
		err = msg.From(from)
	}
	if err == nil {
		err = msg.To(m.To)
	}
	if err == nil && s.ReplyTo != "" {
		if s.ReplyToDisplayName != "" {
			err = msg.ReplyToFormat(s.ReplyToDisplayName, s.ReplyTo)
		} else {
			err = msg.ReplyTo(s.ReplyTo)
		}
	}
	if err == nil && s.EnvelopeFrom != "" {
		err = msg.EnvelopeFrom(s.EnvelopeFrom)
	}
	if err != nil {
		return nil, &PermanentError{fmt.Errorf("mail: %w", err)}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.ID + "@" + domainOf(from))
	msg.SetDateWithValue(now)
	msg.SetUserAgent("latchkey")
	text := m.Text
	if text == "" && m.HTML == "" {
		text = " "
	}
	if text != "" {
		msg.SetBodyString(gomail.TypeTextPlain, text)
		if m.HTML != "" {
			msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
		}
	} else {
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "localhost"
}
