package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Claims see every realm's messages, so each subtest that claims first
// drains what earlier subtests left pending.

// newMessage enqueues a pending message of realmID created at created and
// due at once; edits adjust it first.
func newMessage(t *testing.T, s store.Store, realmID string, created time.Time, edits ...func(*model.OutboxMessage)) *model.OutboxMessage {
	t.Helper()
	m := &model.OutboxMessage{RealmID: realmID, Kind: "verify-email", To: uniq("to") + "@example.com",
		Subject: "Verify email", Text: "text", HTML: "<p>html</p>", CreatedAt: created, NextAttempt: created}
	for _, e := range edits {
		e(m)
	}
	must(t, s.EnqueueMessage(ctxFor(t), m))
	return m
}

// drain marks every pending message sent, whatever its times.
func drain(t *testing.T, s store.Store) {
	t.Helper()
	ctx := ctxFor(t)
	far := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	for {
		list, err := s.ClaimMessages(ctx, far, time.Minute, 100)
		must(t, err)
		if len(list) == 0 {
			return
		}
		for _, m := range list {
			must(t, s.MarkMessageSent(ctx, m.ID, far))
		}
	}
}

func messageIDs(list []model.OutboxMessage) []string {
	return ids(list, func(m model.OutboxMessage) string { return m.ID })
}

func claim(t *testing.T, s store.Store, now time.Time, lease time.Duration, limit int) []model.OutboxMessage {
	t.Helper()
	list, err := s.ClaimMessages(ctxFor(t), now, lease, limit)
	must(t, err)
	return list
}

func getMessage(t *testing.T, s store.Store, id string) *model.OutboxMessage {
	t.Helper()
	m, err := s.GetMessage(ctxFor(t), id)
	must(t, err)
	return m
}

func testOutbox(t *testing.T, s store.Store) {
	base := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

	t.Run("EnqueueDefaults", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		before := time.Now()
		m := &model.OutboxMessage{RealmID: r.ID, Kind: "verify-email", To: "a@example.com", Subject: "Verify email"}
		must(t, s.EnqueueMessage(ctx, m))
		checkGenerated(t, "message", m.ID, m.CreatedAt, before, time.Now())
		if m.Status != model.MessagePending {
			t.Errorf("Status written back = %q, want pending", m.Status)
		}
		checkGenerated(t, "message NextAttempt", m.ID, m.NextAttempt, before, time.Now())
		checkEqual(t, "message", getMessage(t, s, m.ID), m)
		if got := getMessage(t, s, m.ID); !got.ClaimedUntil.IsZero() || !got.SentAt.IsZero() {
			t.Errorf("ClaimedUntil, SentAt = %v, %v, want zero", got.ClaimedUntil, got.SentAt)
		}
		other := newMessage(t, s, r.ID, time.Time{})
		if other.ID == m.ID {
			t.Errorf("two messages got the same id %q", m.ID)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		zone := time.FixedZone("UTC+05:30", 5*3600+1800)
		want := &model.OutboxMessage{
			ID: newID(), RealmID: r.ID, UserID: newID(), Kind: "execute-actions",
			To: "zoë+tag@example.com", Subject: "Update Your Account — Zoë",
			Text: "line one\r\nline two ü", HTML: `<p class="x">Zoë &amp; "quotes"</p>`,
			Status: model.MessageFailed, Attempts: 7,
			NextAttempt:  time.Date(2025, 1, 2, 3, 4, 5, 678_999_999, zone),
			ClaimedUntil: time.Date(2025, 1, 2, 3, 5, 5, 1_500_000, zone),
			LastError:    "dial tcp 127.0.0.1:25: connection refused",
			CreatedAt:    time.Date(2025, 1, 1, 0, 0, 0, 999_999_999, zone),
			SentAt:       time.Date(2025, 1, 3, 0, 0, 0, 123_456_789, zone),
		}
		allSet(t, "message", want)
		given := *want
		must(t, s.EnqueueMessage(ctx, &given))
		exp := *want
		exp.NextAttempt, exp.ClaimedUntil = ms(want.NextAttempt), ms(want.ClaimedUntil)
		exp.CreatedAt, exp.SentAt = ms(want.CreatedAt), ms(want.SentAt)
		got := getMessage(t, s, want.ID)
		checkEqual(t, "message", got, &exp)
		checkEqual(t, "message as written back", &given, &exp)
		for what, tm := range map[string]time.Time{"NextAttempt": got.NextAttempt,
			"ClaimedUntil": got.ClaimedUntil, "CreatedAt": got.CreatedAt, "SentAt": got.SentAt} {
			if tm.Location() != time.UTC {
				t.Errorf("%s location = %v, want UTC", what, tm.Location())
			}
		}
		wantErr(t, "EnqueueMessage with its id again", s.EnqueueMessage(ctx, &model.OutboxMessage{
			ID: want.ID, RealmID: r.ID, Kind: "k", To: "b@example.com", Subject: "s"}), store.ErrConflict)
	})

	t.Run("NotFound", func(t *testing.T) {
		ctx := ctxFor(t)
		wantErr(t, "EnqueueMessage in a missing realm", s.EnqueueMessage(ctx, &model.OutboxMessage{
			RealmID: newID(), Kind: "k", To: "a@example.com", Subject: "s"}), store.ErrNotFound)
		_, err := s.GetMessage(ctx, newID())
		wantErr(t, "GetMessage of an unknown id", err, store.ErrNotFound)
		wantErr(t, "MarkMessageSent of an unknown id", s.MarkMessageSent(ctx, newID(), base), store.ErrNotFound)
		wantErr(t, "MarkMessageFailed of an unknown id",
			s.MarkMessageFailed(ctx, newID(), "x", base, false), store.ErrNotFound)
	})

	t.Run("ClaimOrderAndTimes", func(t *testing.T) {
		drain(t, s)
		r := newRealm(t, s)
		m1 := newMessage(t, s, r.ID, base.Add(time.Minute))
		m0 := newMessage(t, s, r.ID, base, func(m *model.OutboxMessage) { m.Attempts = 2 })
		later := newMessage(t, s, r.ID, base, func(m *model.OutboxMessage) { m.NextAttempt = base.Add(10 * time.Minute) })
		leased := newMessage(t, s, r.ID, base.Add(30*time.Second), func(m *model.OutboxMessage) { m.ClaimedUntil = base.Add(5 * time.Minute) })
		newMessage(t, s, r.ID, base, func(m *model.OutboxMessage) { m.Status = model.MessageFailed })
		newMessage(t, s, r.ID, base, func(m *model.OutboxMessage) { m.Status = model.MessageSent; m.SentAt = base })

		now := base.Add(3 * time.Minute)
		got := claim(t, s, now, time.Minute, 10)
		checkList(t, "first claim, oldest first", messageIDs(got), []string{m0.ID, m1.ID})
		for i, want := range []int{3, 1} {
			if i < len(got) {
				if got[i].Attempts != want {
					t.Errorf("claimed %d: Attempts = %d, want %d", i, got[i].Attempts, want)
				}
				if !got[i].ClaimedUntil.Equal(now.Add(time.Minute)) {
					t.Errorf("claimed %d: ClaimedUntil = %v, want %v", i, got[i].ClaimedUntil, now.Add(time.Minute))
				}
				if got[i].Status != model.MessagePending {
					t.Errorf("claimed %d: Status = %q, want pending", i, got[i].Status)
				}
			}
		}
		if stored := getMessage(t, s, m0.ID); stored.Attempts != 3 || !stored.ClaimedUntil.Equal(now.Add(time.Minute)) {
			t.Errorf("stored after claim: Attempts %d, ClaimedUntil %v", stored.Attempts, stored.ClaimedUntil)
		}
		checkList(t, "claim while leased", messageIDs(claim(t, s, now.Add(time.Minute-time.Millisecond), time.Minute, 10)), nil)

		// The lease ends: the messages are claimed again (the first worker
		// crashed), with the leased one whose lease ended too.
		again := now.Add(2 * time.Minute)
		checkList(t, "claim after the leases", messageIDs(claim(t, s, again, time.Hour, 10)),
			[]string{m0.ID, leased.ID, m1.ID})
		if stored := getMessage(t, s, m0.ID); stored.Attempts != 4 {
			t.Errorf("Attempts after a second claim = %d, want 4", stored.Attempts)
		}
		// Due exactly at next_attempt.
		checkList(t, "claim at next attempt", messageIDs(claim(t, s, later.NextAttempt, time.Minute, 10)),
			[]string{later.ID})
	})

	t.Run("ClaimLimit", func(t *testing.T) {
		drain(t, s)
		r := newRealm(t, s)
		var want []string
		for i := range 5 {
			want = append(want, newMessage(t, s, r.ID, base.Add(time.Duration(i)*time.Second)).ID)
		}
		checkList(t, "claim with limit 0", messageIDs(claim(t, s, base.Add(time.Hour), time.Minute, 0)), nil)
		checkList(t, "claim with limit 2", messageIDs(claim(t, s, base.Add(time.Hour), time.Minute, 2)), want[:2])
		checkList(t, "next claim with limit 2", messageIDs(claim(t, s, base.Add(time.Hour), time.Minute, 2)), want[2:4])
		checkList(t, "last claim", messageIDs(claim(t, s, base.Add(time.Hour), time.Minute, 2)), want[4:])
	})

	t.Run("MarkSentAndFailed", func(t *testing.T) {
		drain(t, s)
		ctx := ctxFor(t)
		r := newRealm(t, s)
		sent := newMessage(t, s, r.ID, base)
		retried := newMessage(t, s, r.ID, base.Add(time.Second))
		final := newMessage(t, s, r.ID, base.Add(2*time.Second))
		now := base.Add(time.Minute)
		checkList(t, "claim", messageIDs(claim(t, s, now, time.Minute, 10)), []string{sent.ID, retried.ID, final.ID})

		at := base.Add(90*time.Second + 1500*time.Microsecond)
		must(t, s.MarkMessageSent(ctx, sent.ID, at))
		got := getMessage(t, s, sent.ID)
		if got.Status != model.MessageSent || !got.SentAt.Equal(ms(at)) {
			t.Errorf("sent message: Status %q, SentAt %v, want sent at %v", got.Status, got.SentAt, ms(at))
		}

		next := now.Add(30 * time.Second)
		must(t, s.MarkMessageFailed(ctx, retried.ID, "421 try later", next, false))
		got = getMessage(t, s, retried.ID)
		if got.Status != model.MessagePending || got.LastError != "421 try later" ||
			!got.NextAttempt.Equal(next) || !got.ClaimedUntil.IsZero() || got.Attempts != 1 {
			t.Errorf("retried message = %+v", got)
		}
		must(t, s.MarkMessageFailed(ctx, final.ID, "550 no such user", next, true))
		if got := getMessage(t, s, final.ID); got.Status != model.MessageFailed || got.LastError != "550 no such user" {
			t.Errorf("failed message: Status %q, LastError %q", got.Status, got.LastError)
		}

		// The retried message is due at next, not before (its lease ended
		// with the failure); the sent and failed ones never again.
		checkList(t, "claim before next", messageIDs(claim(t, s, next.Add(-time.Millisecond), time.Minute, 10)), nil)
		checkList(t, "claim at next", messageIDs(claim(t, s, next, time.Minute, 10)), []string{retried.ID})
		checkList(t, "claim much later", messageIDs(claim(t, s, base.Add(24*time.Hour), time.Minute, 10)),
			[]string{retried.ID})
	})

	t.Run("ListAndCount", func(t *testing.T) {
		drain(t, s)
		ctx := ctxFor(t)
		r, other := newRealm(t, s), newRealm(t, s)
		to := func(addr string) func(*model.OutboxMessage) {
			return func(m *model.OutboxMessage) { m.To = addr }
		}
		a0 := newMessage(t, s, r.ID, base, to("a@example.com"))
		b0 := newMessage(t, s, r.ID, base.Add(time.Second), to("b@example.com"))
		a1 := newMessage(t, s, r.ID, base.Add(2*time.Second), to("a@example.com"))
		newMessage(t, s, other.ID, base.Add(3*time.Second), to("a@example.com"))
		list := func(realmID, addr string, p store.Page) []string {
			got, err := s.ListMessages(ctx, realmID, addr, p)
			must(t, err)
			return messageIDs(got)
		}
		checkList(t, "ListMessages of the realm", list(r.ID, "", store.Page{}), []string{a1.ID, b0.ID, a0.ID})
		checkList(t, "ListMessages to a", list(r.ID, "a@example.com", store.Page{}), []string{a1.ID, a0.ID})
		checkList(t, "ListMessages to a, page", list(r.ID, "a@example.com", store.Page{First: 1, Max: 1}), []string{a0.ID})
		checkList(t, "ListMessages to nobody", list(r.ID, "c@example.com", store.Page{}), nil)
		checkList(t, "ListMessages of a realm without any", list(newRealm(t, s).ID, "", store.Page{}), nil)
		if got, _ := s.ListMessages(ctx, r.ID, "b@example.com", store.Page{}); len(got) == 1 {
			checkEqual(t, "listed message", &got[0], b0)
		}

		must(t, s.MarkMessageSent(ctx, a0.ID, base))
		must(t, s.MarkMessageFailed(ctx, b0.ID, "x", base, true))
		for status, want := range map[string]int{model.MessagePending: 2, model.MessageSent: 1, model.MessageFailed: 1} {
			before, err := s.CountMessages(ctx, status)
			must(t, err)
			newMessage(t, s, r.ID, base, func(m *model.OutboxMessage) { m.Status = status })
			after, err := s.CountMessages(ctx, status)
			must(t, err)
			if after != before+1 {
				t.Errorf("CountMessages(%s) = %d after adding one to %d", status, after, before)
			}
			if status == model.MessagePending && before != want {
				t.Errorf("CountMessages(pending) = %d, want %d", before, want)
			}
		}

		must(t, s.DeleteRealm(ctx, r.ID))
		_, err := s.GetMessage(ctx, a1.ID)
		wantErr(t, "GetMessage after the realm's deletion", err, store.ErrNotFound)
	})

	t.Run("EnqueueInTransaction", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		boom := errors.New("boom")
		var id string
		err := s.InTx(ctx, func(tx store.Store) error {
			m := &model.OutboxMessage{RealmID: r.ID, Kind: "k", To: "a@example.com", Subject: "s"}
			if err := tx.EnqueueMessage(ctx, m); err != nil {
				return err
			}
			id = m.ID
			return boom
		})
		wantErr(t, "InTx", err, boom)
		_, err = s.GetMessage(ctx, id)
		wantErr(t, "message of a rolled-back transaction", err, store.ErrNotFound)
	})

	t.Run("ConcurrentClaims", func(t *testing.T) {
		drain(t, s)
		r := newRealm(t, s)
		const n = 60
		want := map[string]bool{}
		for i := range n {
			want[newMessage(t, s, r.ID, base.Add(time.Duration(i)*time.Millisecond)).ID] = true
		}
		var (
			mu   sync.Mutex
			seen = map[string]int{}
		)
		errs := race(func(int) error {
			for {
				list, err := s.ClaimMessages(ctxFor(t), base.Add(time.Hour), time.Hour, 3)
				if err != nil {
					return err
				}
				if len(list) == 0 {
					return nil
				}
				mu.Lock()
				for _, m := range list {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		})
		allWin(t, "concurrent claims", errs)
		for id, c := range seen {
			if c != 1 {
				t.Errorf("message %s handed out %d times", id, c)
			}
			if !want[id] {
				t.Errorf("claimed unknown message %s", id)
			}
		}
		if len(seen) != n {
			t.Errorf("%d of %d messages claimed", len(seen), n)
		}
	})
}
