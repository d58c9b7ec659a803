package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/latchkey/latchkey/internal/model"
)

// DevSink is start-dev's mail server: each message becomes a file
// <Dir>/<time>-<id>.eml, a complete RFC 5322 message any mail client
// opens, and a log line says where. The files hold live links and codes,
// so they are readable by the owner only.
type DevSink struct {
	Dir string
	Log *slog.Logger
	Now func() time.Time // nil: time.Now
}

var _ Sender = (*DevSink)(nil)

// Send implements Sender; the settings give From and Reply-To when the
// realm has them.
func (d *DevSink) Send(ctx context.Context, s Settings, m *model.OutboxMessage) error {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	at := now().UTC()
	msg, err := newMsg(s, m, at)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return fmt.Errorf("mail: dev mail directory: %w", err)
	}
	path := filepath.Join(d.Dir, at.Format("20060102-150405.000")+"-"+m.ID+".eml")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if _, err := msg.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("mail: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("mail: writing %s: %w", path, err)
	}
	if d.Log != nil {
		d.Log.InfoContext(ctx, "mail written to a file (start-dev, the realm has no SMTP server)",
			"file", path, "to", m.To, "subject", m.Subject, "kind", m.Kind, "message_id", m.ID)
	}
	return nil
}

// RealmLister lists realms: what WarnUnconfigured reads.
type RealmLister interface {
	ListRealms(ctx context.Context) ([]model.Realm, error)
}

// WarnUnconfigured logs a warning for each realm that verifies email but
// has no usable SMTP server, so that `start` says at once why its mails
// will not arrive. It returns how many realms it warned about.
func WarnUnconfigured(ctx context.Context, realms RealmLister, log *slog.Logger) int {
	list, err := realms.ListRealms(ctx)
	if err != nil {
		log.WarnContext(ctx, "mail: cannot check the realms' SMTP settings", "error", err)
		return 0
	}
	n := 0
	for _, r := range list {
		s, err := ParseSettings(r.SMTPServer)
		switch {
		case err != nil:
			n++
			log.WarnContext(ctx, "mail: the realm's SMTP settings are invalid; its mails are retried until they are fixed",
				"realm", r.Name, "error", err)
		case r.VerifyEmail && !s.Configured():
			n++
			log.WarnContext(ctx, "mail: the realm verifies email but has no SMTP server: its verification mails "+
				"fail, retried for up to a day, until smtpServer is set (PUT /admin/realms/{realm})", "realm", r.Name)
		}
	}
	return n
}
