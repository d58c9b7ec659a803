package crashtest_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/mail"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/postgres"
	"github.com/latchkey/latchkey/internal/store/sqlite"
)

// mailCap bounds the wait for mails on a run, against hangs only.
const mailCap = 60 * time.Second

// checkMail checks the verification mails of every registered user that
// exists (acknowledged or not): docs/verification.md promises that the
// mail is written to the outbox with the user and that "a crash between
// the commit and the send loses nothing". Reading the outbox through the
// store, it checks that:
//   - each registered user has exactly one verify-email message;
//   - every message reaches the SMTP server, except those a killed run had
//     claimed: they wait for its lease (mail.DefaultLease from the claim)
//     to end. In the longer form the test waits the leases out on a new
//     run and then requires every mail; the bounded form checks only that
//     they are pending under such a lease;
//   - a message marked sent reached the SMTP server, and no mail went to
//     anyone else.
//
// Duplicates (a kill between the SMTP server's acceptance and the "sent"
// mark) are allowed by the documented at-least-once delivery, with the
// same Message-ID; they are counted and logged. Two different messages to
// one user are an error.
func checkMail(t *testing.T, p *process, sk *sink, users []userRep, owner []*attempt, realmID string, cfg crashConfig) {
	expected := map[string]string{} // lower-cased email -> username
	for i, u := range users {
		if a := owner[i]; a != nil && a.Kind == kindRegister {
			expected[strings.ToLower(u.Email)] = u.Username
		}
	}
	ob := &outbox{t: t, cfg: cfg, realmID: realmID, sk: sk, expected: expected}
	defer ob.close()
	leased, latest := ob.wait(p.started)
	p.stop()
	if leased > 0 && cfg.long {
		t.Logf("%s: %d mails held by the lease of a killed run until %s; waiting it out on a new run",
			cfg.db, leased, latest.Format(time.TimeOnly))
		time.Sleep(time.Until(latest))
		p.start()
		p.waitReady()
		if n, _ := ob.wait(p.started); n != 0 {
			t.Errorf("%d mails still held by a lease after waiting", n)
		}
		p.stop()
		leased = 0
	}

	recv := map[string][]mailMsg{}
	for _, m := range sk.messages() {
		recv[m.Rcpt] = append(recv[m.Rcpt], m)
	}
	dups := 0
	for to, ms := range recv {
		if _, ok := expected[to]; !ok {
			t.Errorf("a mail (%q) went to %s, who is no registered user", ms[0].Subject, to)
			continue
		}
		ids := map[string]bool{}
		for _, m := range ms {
			ids[m.MessageID] = true
		}
		if len(ids) > 1 {
			t.Errorf("DUPLICATE MAIL: %s received %d different messages: %v", to, len(ids), ids)
		} else if len(ms) > 1 {
			dups += len(ms) - 1
			t.Logf("%s: %s received its verification mail %d times (one Message-ID: at-least-once delivery after a kill)",
				cfg.db, to, len(ms))
		}
	}
	received := 0
	for to := range expected {
		if len(recv[to]) > 0 {
			received++
		}
	}
	t.Logf("%s: %d verification mails expected, %d received, %d duplicates (same Message-ID), %d held by a killed run's lease",
		cfg.db, len(expected), received, dups, leased)
}

// outbox reads the expected messages through the store, alongside the
// running server (a read; both backends allow a second process).
type outbox struct {
	t        *testing.T
	cfg      crashConfig
	realmID  string
	sk       *sink
	expected map[string]string
	st       store.Store
}

func (o *outbox) close() {
	if o.st != nil {
		_ = o.st.Close()
	}
}

// wait waits until every expected address got its mail or has it pending
// under the lease of a run killed before the current one (launched at
// started), and returns how many are so held and when the last such lease
// ends. Anything else at the cap is an error.
func (o *outbox) wait(started time.Time) (leased int, latest time.Time) {
	o.t.Helper()
	deadline := time.Now().Add(mailCap)
	for {
		missing := o.missing()
		if len(missing) == 0 {
			return 0, time.Time{}
		}
		if o.st == nil {
			o.st = openStore(o.t, o.cfg)
		}
		now := time.Now()
		leased, latest = 0, time.Time{}
		var problems []string
		for _, to := range missing {
			m, problem := o.message(to)
			switch {
			case problem != "":
				problems = append(problems, problem)
			case m.Status == model.MessageSent && o.got(to):
				// Arrived since missing() looked.
			case m.Status == model.MessageSent:
				problems = append(problems, "LOST MAIL: the outbox marks "+to+"'s mail sent, the SMTP server never received it")
			case m.Status == model.MessagePending && m.ClaimedUntil.After(now) &&
				m.ClaimedUntil.Before(started.Add(mail.DefaultLease)):
				// Claimed by a run killed before this one.
				leased++
				latest = later(latest, m.ClaimedUntil)
			default:
				problems = append(problems, "LOST MAIL: "+to+"'s mail is "+m.Status+
					", claimed until "+m.ClaimedUntil.Format(time.TimeOnly)+", next attempt "+
					m.NextAttempt.Format(time.TimeOnly)+", last error "+m.LastError)
			}
		}
		if len(problems) == 0 && leased == len(missing) {
			return leased, latest
		}
		if time.Now().After(deadline) {
			for _, p := range problems {
				o.t.Error(p)
			}
			return leased, latest
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// missing lists the expected addresses the sink has no mail for.
func (o *outbox) missing() []string {
	var out []string
	for to := range o.expected {
		if !o.got(to) {
			out = append(out, to)
		}
	}
	return out
}

func (o *outbox) got(to string) bool {
	for _, m := range o.sk.messages() {
		if m.Rcpt == to {
			return true
		}
	}
	return false
}

// message is to's one verify-email message, or a problem.
func (o *outbox) message(to string) (model.OutboxMessage, string) {
	msgs, err := o.st.ListMessages(context.Background(), o.realmID, to, store.Page{Max: 100})
	if err != nil {
		return model.OutboxMessage{}, "listing the outbox for " + to + ": " + err.Error()
	}
	var verify []model.OutboxMessage
	for _, m := range msgs {
		if m.Kind == "verify-email" {
			verify = append(verify, m)
		}
	}
	if len(verify) != 1 {
		return model.OutboxMessage{}, "user " + o.expected[to] + " <" + to + "> has " +
			strconv.Itoa(len(verify)) + " verify-email messages in the outbox, want 1"
	}
	return verify[0], ""
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// openStore opens the database the runs use, through the store.
func openStore(t *testing.T, cfg crashConfig) store.Store {
	t.Helper()
	var st store.Store
	var err error
	if cfg.db == "postgres" {
		st, err = postgres.Open(context.Background(), cfg.dbURL)
	} else {
		st, err = sqlite.Open(context.Background(), cfg.dbURL)
	}
	if err != nil {
		t.Fatalf("opening the runs' database: %v", err)
	}
	return st
}
