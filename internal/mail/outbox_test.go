package mail_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/mail"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dbtest"
	"github.com/latchkey/latchkey/internal/store/postgres"
	"github.com/latchkey/latchkey/internal/store/sqlite"
)

// fastRetry keeps the tests' retries within a few hundred milliseconds.
var fastRetry = mail.Retry{First: 20 * time.Millisecond, Max: 100 * time.Millisecond}

// counts records what the worker reports to its Metrics.
type counts struct {
	mu      sync.Mutex
	sent    int
	failed  int
	final   int
	pending []int
}

func (c *counts) MailSent(_, _ string) { c.mu.Lock(); c.sent++; c.mu.Unlock() }
func (c *counts) MailPending(n int)    { c.mu.Lock(); c.pending = append(c.pending, n); c.mu.Unlock() }
func (c *counts) MailFailed(_, _ string, final bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed++
	if final {
		c.final++
	}
}

func (c *counts) get() (sent, failed, final int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent, c.failed, c.final
}

func newRealm(t *testing.T, st store.Store, smtp map[string]string) *model.Realm {
	t.Helper()
	r := &model.Realm{Name: fmt.Sprintf("realm-%d", time.Now().UnixNano()), Enabled: true,
		VerifyEmail: true, SMTPServer: smtp}
	if err := st.CreateRealm(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// enqueue commits a message in a transaction, as the code asking for mail
// does.
func enqueue(t *testing.T, st store.Store, realmID, to string) *model.OutboxMessage {
	t.Helper()
	m := &model.OutboxMessage{RealmID: realmID, Kind: mail.KindVerifyEmail, To: to,
		Subject: "Verify email", Text: "text " + to, HTML: "<p>html</p>"}
	if err := st.InTx(t.Context(), func(tx store.Store) error { return tx.EnqueueMessage(t.Context(), m) }); err != nil {
		t.Fatal(err)
	}
	return m
}

// run starts o until the test ends (or the returned stop is called, which
// waits for Run to return).
func run(t *testing.T, o *mail.Outbox) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		o.Run(ctx)
	}()
	stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds, failing after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func getMessage(t *testing.T, st store.Store, id string) *model.OutboxMessage {
	t.Helper()
	m, err := st.GetMessage(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func TestOutboxDelivers(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, st store.Store) {
		srv := startServer(t, serverOpts{})
		r := newRealm(t, st, srv.settings(map[string]string{"fromDisplayName": "Demo"}))
		m := &counts{}
		o := &mail.Outbox{Store: st, Sender: &mail.SMTP{}, Log: testLog(t), Metrics: m, PollEvery: time.Hour}
		run(t, o)
		msg := enqueue(t, st, r.ID, "alice@example.com")
		o.Nudge() // the hour-long tick never comes: the nudge alone sends it
		got := srv.waitMessages(1)
		if len(got) != 1 || got[0].To[0] != "alice@example.com" {
			t.Fatalf("received %+v", got)
		}
		waitFor(t, "the delivery counted", func() bool { sent, _, _ := m.get(); return sent == 1 })
		stored := getMessage(t, st, msg.ID)
		if stored.Status != model.MessageSent || stored.Attempts != 1 || stored.SentAt.IsZero() || stored.LastError != "" {
			t.Errorf("stored message = %+v", stored)
		}
		if sent, failed, _ := m.get(); sent != 1 || failed != 0 {
			t.Errorf("metrics: sent %d, failed %d", sent, failed)
		}
	})
}

func TestOutboxRetriesUntilTheServerIsBack(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, st store.Store) {
		srv := startServer(t, serverOpts{})
		port := srv.Port
		srv.Stop()
		r := newRealm(t, st, srv.settings(nil))
		m := &counts{}
		o := &mail.Outbox{Store: st, Sender: &mail.SMTP{}, Log: testLog(t), Metrics: m,
			Retry: fastRetry, PollEvery: 10 * time.Millisecond}
		msg := enqueue(t, st, r.ID, "bob@example.com")
		run(t, o)
		waitFor(t, "two failed attempts recorded", func() bool {
			m := getMessage(t, st, msg.ID)
			return m.Attempts >= 2 && m.ClaimedUntil.IsZero()
		})
		failed := getMessage(t, st, msg.ID)
		if failed.Status != model.MessagePending || failed.LastError == "" {
			t.Errorf("while the server is down: %+v", failed)
		}
		back := startServer(t, serverOpts{}, port)
		got := back.waitMessages(1)
		waitFor(t, "the delivery counted", func() bool { sent, _, _ := m.get(); return sent == 1 })
		if len(back.Messages()) != 1 || got[0].To[0] != "bob@example.com" {
			t.Errorf("received %+v", back.Messages())
		}
		stored := getMessage(t, st, msg.ID)
		// Every attempt before the last failed, and each failure was
		// recorded before the next claim.
		if _, failures, final := m.get(); stored.Status != model.MessageSent || failures != stored.Attempts-1 ||
			failures < 2 || final != 0 {
			t.Errorf("stored %+v; metrics: %d failures, %d given up", stored, failures, final)
		}
	})
}

func TestOutboxGivesUp(t *testing.T) {
	st := dbtest.SQLite(t)
	srv := startServer(t, serverOpts{})
	r := newRealm(t, st, srv.settings(nil))
	m := &counts{}
	o := &mail.Outbox{Store: st, Sender: &mail.SMTP{}, Log: testLog(t), Metrics: m,
		Retry:     mail.Retry{First: 10 * time.Millisecond, Max: 10 * time.Millisecond, Attempts: 3},
		PollEvery: 10 * time.Millisecond}
	refused := enqueue(t, st, r.ID, "nobody@example.com") // refused for good: no retry
	run(t, o)
	waitFor(t, "the refused message failed", func() bool { return getMessage(t, st, refused.ID).Status == model.MessageFailed })
	if got := getMessage(t, st, refused.ID); got.Attempts != 1 || !strings.Contains(got.LastError, "550") {
		t.Errorf("refused message = %+v", got)
	}
	srv.Stop()
	down := enqueue(t, st, r.ID, "carol@example.com")
	o.Nudge()
	waitFor(t, "the message given up", func() bool { return getMessage(t, st, down.ID).Status == model.MessageFailed })
	if got := getMessage(t, st, down.ID); got.Attempts != 3 {
		t.Errorf("given up after %d attempts, want 3", got.Attempts)
	}
	waitFor(t, "two messages counted as given up", func() bool { _, _, final := m.get(); return final == 2 })
}

// crashingSender stands for a process killed between claim and send: it
// stops the worker and never sends.
type crashingSender struct {
	kill   context.CancelFunc
	called chan struct{}
}

func (c *crashingSender) Send(ctx context.Context, _ mail.Settings, _ *model.OutboxMessage) error {
	close(c.called)
	c.kill()
	<-ctx.Done()
	return ctx.Err()
}

// The message is committed, a worker claims it and dies before sending; a
// new worker on the same database sends it once its lease ends, exactly
// once.
func TestOutboxCrashBetweenClaimAndSend(t *testing.T) {
	dbtest.EachStore(t, func(t *testing.T, st store.Store) {
		srv := startServer(t, serverOpts{})
		r := newRealm(t, st, srv.settings(nil))
		msg := enqueue(t, st, r.ID, "dave@example.com")
		const lease = 500 * time.Millisecond

		ctx, kill := context.WithCancel(context.Background())
		crash := &crashingSender{kill: kill, called: make(chan struct{})}
		first := &mail.Outbox{Store: st, Sender: crash, Log: testLog(t), Lease: lease, PollEvery: 10 * time.Millisecond}
		done := make(chan struct{})
		go func() {
			defer close(done)
			first.Run(ctx)
		}()
		<-crash.called
		<-done
		claimed := getMessage(t, st, msg.ID)
		if claimed.Status != model.MessagePending || claimed.Attempts != 1 || claimed.ClaimedUntil.IsZero() {
			t.Fatalf("after the crash: %+v, want pending, claimed once", claimed)
		}

		// The restarted process.
		second := &mail.Outbox{Store: st, Sender: &mail.SMTP{}, Log: testLog(t), Lease: lease, PollEvery: 10 * time.Millisecond}
		run(t, second)
		srv.waitMessages(1)
		waitFor(t, "the message marked sent", func() bool { return getMessage(t, st, msg.ID).Status == model.MessageSent })
		sent := getMessage(t, st, msg.ID)
		if sent.Attempts != 2 || sent.SentAt.Before(claimed.ClaimedUntil) {
			t.Errorf("sent message = %+v; the claimed lease ended at %v", sent, claimed.ClaimedUntil)
		}
		// Later rounds find nothing to send again.
		for range 3 {
			second.RunOnce(t.Context())
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("the SMTP server received %d copies, want exactly 1", n)
		}
	})
}

// Two processes on one database never send one message twice.
func TestTwoWorkersOneDatabase(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		url := dbtest.PostgresURL(t)
		a, b := openPostgres(t, url), openPostgres(t, url)
		testTwoWorkers(t, a, b)
	})
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "shared.db")
		testTwoWorkers(t, openSQLite(t, path), openSQLite(t, path))
	})
}

func testTwoWorkers(t *testing.T, a, b store.Store) {
	srv := startServer(t, serverOpts{})
	r := newRealm(t, a, srv.settings(nil))
	const n = 40
	want := map[string]bool{}
	for i := range n {
		want[enqueue(t, a, r.ID, fmt.Sprintf("user%02d@example.com", i)).ID] = true
	}
	for _, st := range []store.Store{a, b} {
		run(t, &mail.Outbox{Store: st, Sender: &mail.SMTP{}, Log: testLog(t), Batch: 3, PollEvery: 5 * time.Millisecond})
	}
	srv.waitMessages(n)
	waitFor(t, "every message marked sent", func() bool {
		c, err := a.CountMessages(t.Context(), model.MessageSent)
		return err == nil && c == n
	})
	seen := map[string]int{}
	for _, m := range srv.Messages() {
		seen[parseMessage(t, m.Data).Header.Get("Message-ID")]++
	}
	for id := range want {
		if c := seen["<"+id+"@example.com>"]; c != 1 {
			t.Errorf("message %s delivered %d times", id, c)
		}
	}
	if len(srv.Messages()) != n {
		t.Errorf("%d deliveries for %d messages", len(srv.Messages()), n)
	}
}

func TestOutboxDevSink(t *testing.T) {
	st := dbtest.SQLite(t)
	r := newRealm(t, st, nil)
	dir := filepath.Join(t.TempDir(), "mail")
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	o := &mail.Outbox{Store: st, Sender: &mail.SMTP{}, DevDir: dir, Log: log, PollEvery: 10 * time.Millisecond}
	msg := enqueue(t, st, r.ID, "erin@example.com")
	run(t, o)
	waitFor(t, "the message marked sent", func() bool { return getMessage(t, st, msg.ID).Status == model.MessageSent })
	files, err := filepath.Glob(filepath.Join(dir, "*-"+msg.ID+".eml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("files %v, %v; want one .eml named after the message", files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	p := parseMessage(t, bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")))
	if p.Header.Get("To") != "<erin@example.com>" && p.Header.Get("To") != "erin@example.com" {
		t.Errorf("To = %q", p.Header.Get("To"))
	}
	if p.Text != "text erin@example.com" || p.HTML != "<p>html</p>" {
		t.Errorf("parts: text %q, html %q", p.Text, p.HTML)
	}
	if info, err := os.Stat(files[0]); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, %v; want 0600 (it holds live links)", info.Mode(), err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), files[0]) {
		t.Errorf("no log line names %s:\n%s", files[0], logs.String())
	}
}

// In start, a realm without an SMTP server fails its mails (retried: the
// admin may still configure one).
func TestOutboxWithoutSMTPInProduction(t *testing.T) {
	st := dbtest.SQLite(t)
	r := newRealm(t, st, nil)
	o := &mail.Outbox{Store: st, Sender: &mail.SMTP{}, Log: testLog(t)}
	msg := enqueue(t, st, r.ID, "frank@example.com")
	o.RunOnce(t.Context())
	got := getMessage(t, st, msg.ID)
	if got.Status != model.MessagePending || !strings.Contains(got.LastError, "no SMTP server") ||
		!got.NextAttempt.After(time.Now().Add(20*time.Second)) {
		t.Errorf("message = %+v, want pending, retried in about 30 s", got)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestWarnUnconfigured(t *testing.T) {
	st := dbtest.SQLite(t)
	ctx := t.Context()
	for _, r := range []*model.Realm{
		{Name: "verifies-without-smtp", VerifyEmail: true},
		{Name: "verifies-with-smtp", VerifyEmail: true, SMTPServer: map[string]string{"host": "smtp.example.com", "from": "a@example.com"}},
		{Name: "no-verification", VerifyEmail: false},
		{Name: "broken-smtp", SMTPServer: map[string]string{"host": "smtp.example.com", "port": "smtp", "from": "a@example.com"}},
	} {
		if err := st.CreateRealm(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	n := mail.WarnUnconfigured(ctx, st, slog.New(slog.NewTextHandler(&logs, nil)))
	out := logs.String()
	if n != 2 || !strings.Contains(out, "realm=verifies-without-smtp") || !strings.Contains(out, "realm=broken-smtp") ||
		strings.Contains(out, "realm=verifies-with-smtp") || strings.Contains(out, "realm=no-verification") {
		t.Errorf("WarnUnconfigured = %d, logged:\n%s", n, out)
	}
	if !strings.Contains(out, "smtpServer.port") {
		t.Errorf("the warning does not name the bad key:\n%s", out)
	}
}

func openPostgres(t *testing.T, url string) store.Store {
	t.Helper()
	st, err := postgres.Open(t.Context(), url, postgres.WithMaxConns(4))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func openSQLite(t *testing.T, path string) store.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}
