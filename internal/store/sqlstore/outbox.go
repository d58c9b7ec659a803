package sqlstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// The outbox is a queue in a table. A claim is one UPDATE whose subquery
// picks the due pending messages, oldest first, and whose RETURNING hands
// them to the worker with their lease set and the attempt counted: the
// pick and the lease are one statement, so no other claimer can take the
// same rows in between. On PostgreSQL the subquery locks its rows with
// SKIP LOCKED (Dialect.LockSkipLocked) and the statement runs on its own at
// READ COMMITTED, not in a SERIALIZABLE transaction: concurrent claimers
// then take disjoint batches instead of failing each other's serialization;
// a row another claimer leased and committed meanwhile is re-checked
// against the WHERE clause and dropped. On SQLite the single writer runs
// the statements one after the other.
//
// Times are milliseconds, 0 for a zero time.Time (ClaimedUntil, SentAt).

const outboxCols = `id, realm_id, user_id, kind, recipient, subject, text_body, html_body,
	status, attempts, next_attempt, claimed_until, last_error, created_at, sent_at`

func scanMessage(sc interface{ Scan(...any) error }) (model.OutboxMessage, error) {
	var (
		m                                model.OutboxMessage
		next, claimed, created, sentTime int64
	)
	err := sc.Scan(&m.ID, &m.RealmID, &m.UserID, &m.Kind, &m.To, &m.Subject, &m.Text, &m.HTML,
		&m.Status, &m.Attempts, &next, &claimed, &m.LastError, &created, &sentTime)
	m.NextAttempt, m.ClaimedUntil = optMillis(next), optMillis(claimed)
	m.CreatedAt, m.SentAt = fromMillis(created), optMillis(sentTime)
	return m, err
}

// toOptMillis stores a zero time as 0, so that it reads back as zero.
func toOptMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func optMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return fromMillis(ms)
}

// normalOpt brings an optional time to what the database keeps.
func normalOpt(t *time.Time) { *t = optMillis(toOptMillis(*t)) }

// EnqueueMessage implements store.OutboxStore. A missing realm is
// ErrNotFound (the foreign key refuses the row).
func (s *Store) EnqueueMessage(ctx context.Context, m *model.OutboxMessage) error {
	ensureID(&m.ID)
	ensureCreated(&m.CreatedAt)
	if m.Status == "" {
		m.Status = model.MessagePending
	}
	if m.NextAttempt.IsZero() {
		m.NextAttempt = time.Now()
	}
	m.NextAttempt = fromMillis(m.NextAttempt.UnixMilli())
	normalOpt(&m.ClaimedUntil)
	normalOpt(&m.SentAt)
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO outbox_messages (`+outboxCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			m.ID, m.RealmID, m.UserID, m.Kind, m.To, m.Subject, m.Text, m.HTML,
			m.Status, m.Attempts, m.NextAttempt.UnixMilli(), toOptMillis(m.ClaimedUntil), m.LastError,
			m.CreatedAt.UnixMilli(), toOptMillis(m.SentAt))
		return err
	})
}

// statement runs fn, a single statement, in the current transaction when
// there is one, else on its own (autocommit) on the writer through the one
// retry helper. A statement on its own runs at the database's default
// isolation, which is what SKIP LOCKED is meant for.
func (s *Store) statement(ctx context.Context, fn func(q querier) error) error {
	if s.tx != nil {
		return s.p.checked(ctx, fn(s.tx))
	}
	return s.p.dialect.mapErr(s.p.retry(ctx, func() error {
		return s.p.checked(ctx, fn(s.p.writer))
	}))
}

// ClaimMessages implements store.OutboxStore. The status test is a literal
// so that both databases match it to the partial index.
func (s *Store) ClaimMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]model.OutboxMessage, error) {
	if limit <= 0 {
		return nil, nil
	}
	nowMS := now.UnixMilli()
	until := now.Add(lease).UnixMilli()
	query := `UPDATE outbox_messages SET claimed_until = $1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox_messages
			WHERE status = 'pending' AND next_attempt <= $2 AND claimed_until <= $2
			ORDER BY created_at, id LIMIT $3` + s.p.dialect.LockSkipLocked + `)
		RETURNING ` + outboxCols
	var out []model.OutboxMessage
	err := s.statement(ctx, func(q querier) error {
		out = out[:0]
		rows, err := q.QueryContext(ctx, query, until, nowMS, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// RETURNING promises no order.
	slices.SortFunc(out, func(a, b model.OutboxMessage) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// MarkMessageSent implements store.OutboxStore. An unknown id is
// ErrNotFound.
func (s *Store) MarkMessageSent(ctx context.Context, id string, at time.Time) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE outbox_messages
			SET status = $1, sent_at = $2, last_error = '' WHERE id = $3`,
			model.MessageSent, at.UnixMilli(), id)
		if err != nil {
			return err
		}
		return mustAffect(res, "message "+id)
	})
}

// MarkMessageFailed implements store.OutboxStore. The lease ends with the
// attempt, so the message is due again at next. An unknown id is
// ErrNotFound.
func (s *Store) MarkMessageFailed(ctx context.Context, id, lastError string, next time.Time, final bool) error {
	status := model.MessagePending
	if final {
		status = model.MessageFailed
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE outbox_messages
			SET status = $1, last_error = $2, next_attempt = $3, claimed_until = 0 WHERE id = $4`,
			status, lastError, next.UnixMilli(), id)
		if err != nil {
			return err
		}
		return mustAffect(res, "message "+id)
	})
}

// GetMessage implements store.OutboxStore.
func (s *Store) GetMessage(ctx context.Context, id string) (*model.OutboxMessage, error) {
	var m model.OutboxMessage
	err := s.read(ctx, func(q querier) error {
		var err error
		m, err = scanMessage(q.QueryRowContext(ctx,
			`SELECT `+outboxCols+` FROM outbox_messages WHERE id = $1`, id))
		return notFound(err, "message "+id)
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// ListMessages implements store.OutboxStore. The address is compared as
// stored: callers pass the user's (lower-cased) email.
func (s *Store) ListMessages(ctx context.Context, realmID, to string, p store.Page) ([]model.OutboxMessage, error) {
	var a args
	where := "realm_id = " + a.add(realmID)
	if to != "" {
		where += " AND recipient = " + a.add(to)
	}
	var out []model.OutboxMessage
	err := s.read(ctx, func(q querier) error {
		out = out[:0]
		rows, err := q.QueryContext(ctx, `SELECT `+outboxCols+` FROM outbox_messages WHERE `+where+
			` ORDER BY created_at DESC, id DESC`+limit(p), a.vals...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// CountMessages implements store.OutboxStore. Pending messages, what the
// metrics poll, are counted with a literal status so that the partial
// index serves the count.
func (s *Store) CountMessages(ctx context.Context, status string) (int, error) {
	query, vals := `SELECT count(*) FROM outbox_messages WHERE status = $1`, []any{status}
	if status == model.MessagePending {
		query, vals = `SELECT count(*) FROM outbox_messages WHERE status = 'pending'`, nil
	}
	var n int
	err := s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, query, vals...).Scan(&n)
	})
	return n, err
}
