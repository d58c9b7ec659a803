package mail

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// The worker's rhythm and the retry schedule. A failed attempt is retried
// after RetryFirst, doubling up to RetryMax (30 s, 1 m, 2 m, 4 m ... 1 h);
// the message is given up, left "failed", after RetryAttempts attempts or
// once it is RetryMaxAge old, whichever comes first, or at once when the
// failure is permanent (a recipient the server refuses for good).
const (
	RetryFirst    = 30 * time.Second
	RetryMax      = time.Hour
	RetryAttempts = 10
	RetryMaxAge   = 24 * time.Hour

	// PollEvery is how often the worker looks for due messages when
	// nobody nudges it.
	PollEvery = time.Second
	// DefaultLease is how long a claimed batch is this worker's. The batch
	// is sent in parallel, each message within min(SendTimeout, the lease
	// less a fifth), so a live worker always finishes before another may
	// claim the message; the fifth held back covers recording the result
	// and clock differences between processes.
	DefaultLease = 2 * time.Minute
	// SendTimeout bounds one message's whole SMTP session (each read and
	// write has its own DefaultTimeout inside it).
	SendTimeout = time.Minute
	// BatchSize is how many messages one claim takes.
	BatchSize = 10

	pendingEvery = 5 * time.Second // how often the pending gauge is refreshed
	maxErrorText = 1000            // bytes of a failure kept in last_error
)

// Retry is a retry schedule; the zero value is the one above.
type Retry struct {
	First, Max time.Duration
	Attempts   int
	MaxAge     time.Duration
}

// Delay is the wait after the attempt-th failed attempt (1-based).
func (r Retry) Delay(attempt int) time.Duration {
	r = r.orDefault()
	d := r.First
	for i := 1; i < attempt && d < r.Max; i++ {
		d *= 2
	}
	return min(d, r.Max)
}

func (r Retry) orDefault() Retry {
	if r.First <= 0 {
		r.First = RetryFirst
	}
	if r.Max <= 0 {
		r.Max = RetryMax
	}
	if r.Attempts <= 0 {
		r.Attempts = RetryAttempts
	}
	if r.MaxAge <= 0 {
		r.MaxAge = RetryMaxAge
	}
	return r
}

// Store is what the outbox worker needs: the outbox and the realms, read
// per message so that a changed smtpServer applies to the next attempt.
type Store interface {
	store.OutboxStore
	GetRealm(ctx context.Context, id string) (*model.Realm, error)
}

// Metrics hears of the worker's outcomes (ops.Metrics implements it).
type Metrics interface {
	MailSent(realm, kind string)
	// MailFailed counts a failed attempt; final when it was given up.
	MailFailed(realm, kind string, final bool)
	MailPending(n int)
}

// Outbox is the worker that sends the outbox's messages. Build it as a
// struct literal; Run it once per process. Any number of processes may run
// one on the same database.
type Outbox struct {
	Store  Store
	Sender Sender // the realms' SMTP servers, usually *SMTP
	// DevDir, when set (start-dev), receives the mails of realms without
	// an SMTP server as .eml files (DevSink). Empty (start): those mails
	// fail and are retried until the realm gets a server.
	DevDir  string
	Log     *slog.Logger
	Metrics Metrics // nil: none
	// GaveUp, when set, hears of each message given up (left "failed"),
	// after that is recorded: the verification service records its
	// SEND_VERIFY_EMAIL_ERROR event there.
	GaveUp func(ctx context.Context, m *model.OutboxMessage, err error)

	// Tuning, mostly for tests; zero values take the constants above.
	Retry     Retry
	PollEvery time.Duration
	Lease     time.Duration
	Batch     int
	Now       func() time.Time

	once        sync.Once
	nudge       chan struct{}
	lastPending time.Time
}

func (o *Outbox) init() {
	o.once.Do(func() { o.nudge = make(chan struct{}, 1) })
}

// Nudge makes the worker look for messages now rather than at its next
// tick: call it after committing a transaction that enqueued one. It never
// blocks.
func (o *Outbox) Nudge() {
	o.init()
	select {
	case o.nudge <- struct{}{}:
	default:
	}
}

func (o *Outbox) logger() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

func (o *Outbox) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Run claims and sends due messages until ctx ends. A message being sent
// when ctx ends is left to its lease: the next worker sends it.
func (o *Outbox) Run(ctx context.Context) {
	o.init()
	every := o.PollEvery
	if every <= 0 {
		every = PollEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		o.RunOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.nudge:
		}
	}
}

// RunOnce claims and sends batches until none is left due, and returns how
// many messages it handled.
func (o *Outbox) RunOnce(ctx context.Context) int {
	lease, batch := o.Lease, o.Batch
	if lease <= 0 {
		lease = DefaultLease
	}
	if batch <= 0 {
		batch = BatchSize
	}
	handled := 0
	for ctx.Err() == nil {
		msgs, err := o.Store.ClaimMessages(ctx, o.now(), lease, batch)
		if err != nil {
			if ctx.Err() == nil {
				o.logger().WarnContext(ctx, "mail outbox: claiming messages failed", "error", err)
			}
			break
		}
		var wg sync.WaitGroup
		for i := range msgs {
			wg.Go(func() { o.process(ctx, &msgs[i], lease) })
		}
		wg.Wait()
		handled += len(msgs)
		if len(msgs) < batch {
			break
		}
	}
	o.refreshPending(ctx)
	return handled
}

func (o *Outbox) refreshPending(ctx context.Context) {
	if o.Metrics == nil || ctx.Err() != nil || o.now().Sub(o.lastPending) < pendingEvery {
		return
	}
	n, err := o.Store.CountMessages(ctx, model.MessagePending)
	if err != nil {
		return
	}
	o.lastPending = o.now()
	o.Metrics.MailPending(n)
}

// process sends one claimed message and records the outcome.
func (o *Outbox) process(ctx context.Context, m *model.OutboxMessage, lease time.Duration) {
	retry := o.Retry.orDefault()
	log := o.logger().With("message_id", m.ID, "realm_id", m.RealmID, "kind", m.Kind, "attempt", m.Attempts)
	if m.Attempts > retry.Attempts {
		// Claimed again and again without a recorded result: the workers
		// holding it died mid-send. Stop handing it out.
		o.record(ctx, log, m, "", errors.New("mail: no result after the last attempt"), true)
		return
	}
	realm, err := o.Store.GetRealm(ctx, m.RealmID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			o.record(ctx, log, m, "", errors.New("mail: the realm no longer exists"), true)
		} else if ctx.Err() == nil {
			log.WarnContext(ctx, "mail outbox: loading the realm failed; the message is retried after its lease", "error", err)
		}
		return
	}
	settings, err := ParseSettings(realm.SMTPServer)
	if err != nil {
		o.record(ctx, log, m, realm.Name, err, false)
		return
	}
	sender := o.Sender
	if !settings.Configured() {
		if o.DevDir == "" {
			o.record(ctx, log, m, realm.Name,
				errors.New("mail: the realm has no SMTP server configured (smtpServer.host)"), false)
			return
		}
		sender = &DevSink{Dir: o.DevDir, Log: o.logger(), Now: o.Now}
	}
	// Finish well inside the lease, so that nobody claims the message
	// while this worker may still be sending it.
	budget := min(SendTimeout, m.ClaimedUntil.Add(-lease/5).Sub(o.now()))
	if budget <= 0 {
		return // the lease is (almost) over: the next claim sends it
	}
	sctx, cancel := context.WithTimeout(ctx, budget)
	err = sender.Send(sctx, settings, m)
	cancel()
	if err != nil && ctx.Err() != nil {
		// Stopping: the outcome is unknown, so nothing is recorded and the
		// message goes out again after its lease.
		return
	}
	o.record(ctx, log, m, realm.Name, err, false)
}

// record stores the outcome of an attempt. It runs even when ctx has just
// ended, so that a message the server accepted is not sent again.
func (o *Outbox) record(ctx context.Context, log *slog.Logger, m *model.OutboxMessage, realm string, sendErr error, giveUp bool) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := o.now()
	if sendErr == nil {
		if err := o.Store.MarkMessageSent(rctx, m.ID, now); err != nil {
			log.ErrorContext(ctx, "mail outbox: the message was sent but recording it failed; it may be sent again", "error", err)
			return
		}
		log.InfoContext(ctx, "mail sent", "realm", realm)
		if o.Metrics != nil {
			o.Metrics.MailSent(realm, m.Kind)
		}
		return
	}
	retry := o.Retry.orDefault()
	final := giveUp || IsPermanent(sendErr) || m.Attempts >= retry.Attempts ||
		now.Sub(m.CreatedAt) >= retry.MaxAge
	next := now.Add(retry.Delay(m.Attempts))
	text := sendErr.Error()
	if len(text) > maxErrorText {
		text = text[:maxErrorText]
	}
	if err := o.Store.MarkMessageFailed(rctx, m.ID, text, next, final); err != nil {
		log.ErrorContext(ctx, "mail outbox: recording a failed attempt failed; the message is retried after its lease",
			"error", err, "send_error", sendErr)
		return
	}
	if o.Metrics != nil {
		o.Metrics.MailFailed(realm, m.Kind, final)
	}
	if final {
		log.ErrorContext(ctx, "mail not sent: giving up", "realm", realm, "error", sendErr)
		if o.GaveUp != nil {
			o.GaveUp(rctx, m, sendErr)
		}
		return
	}
	log.WarnContext(ctx, "mail not sent; retrying later", "realm", realm, "error", sendErr,
		"next_attempt", next.UTC().Format(time.RFC3339))
}
