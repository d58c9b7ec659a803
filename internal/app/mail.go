package app

import (
	"context"
	"path/filepath"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/mail"
)

// setupMail loads the mail templates and builds the outbox worker. In
// start-dev, realms without an SMTP server get their mails as files under
// the data directory; in start, such realms are named in a warning.
func (a *App) setupMail(ctx context.Context) error {
	tm, err := mail.LoadTemplates(a.cfg.MailTemplatesDir)
	if err != nil {
		return &config.Error{Problems: []config.Problem{{Option: "mail-templates-dir", Msg: err.Error()}}}
	}
	a.mailTemplates = tm
	a.outbox = &mail.Outbox{Store: a.store, Sender: &mail.SMTP{}, Log: a.log, Metrics: a.metrics}
	if a.cfg.Mode == config.Dev {
		a.outbox.DevDir = filepath.Join(a.cfg.DataDir, "mail")
		a.log.Info("mail: realms without an SMTP server write their mails to files", "dir", a.outbox.DevDir)
	} else {
		mail.WarnUnconfigured(ctx, a.store, a.log)
	}
	return nil
}

// startOutbox runs the outbox worker until ctx ends; the returned func
// stops it and waits, so that the store is closed only after it.
func (a *App) startOutbox(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.outbox.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// Outbox is the mail worker: code that enqueues a mail nudges it after
// committing.
func (a *App) Outbox() *mail.Outbox { return a.outbox }

// MailTemplates renders the mails that are enqueued.
func (a *App) MailTemplates() *mail.Templates { return a.mailTemplates }
