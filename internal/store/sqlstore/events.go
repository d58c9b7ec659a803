package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Events are an audit trail: user and client are plain text without
// foreign keys, so an event outlives the user it is about, and only the
// realm's deletion or DeleteEvents removes it. Details are one JSON
// document. Listings come newest first, ties broken by id, so that paging
// through events of one millisecond neither repeats nor skips one.

const eventCols = `id, realm_id, time, type, client_id, user_id, session_id, ip_address, error, details`

func scanEvent(sc interface{ Scan(...any) error }) (model.Event, error) {
	var (
		e       model.Event
		at      int64
		details string
	)
	if err := sc.Scan(&e.ID, &e.RealmID, &at, &e.Type, &e.ClientID, &e.UserID, &e.SessionID,
		&e.IPAddress, &e.Error, &details); err != nil {
		return e, err
	}
	e.Time = fromMillis(at)
	var err error
	if e.Details, err = decodeDetails(details); err != nil {
		return e, fmt.Errorf("sqlstore: event %s: %w", e.ID, err)
	}
	return e, nil
}

// AppendEvent implements store.EventStore. Time, the event's creation
// time, follows the CreatedAt rule: now when zero, written back.
func (s *Store) AppendEvent(ctx context.Context, e *model.Event) error {
	ensureID(&e.ID)
	ensureCreated(&e.Time)
	details, err := encodeDetails(e.Details)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO events (id, realm_id, time, type, client_id,
			user_id, session_id, ip_address, error, details)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.ID, e.RealmID, e.Time.UnixMilli(), e.Type, e.ClientID, e.UserID, e.SessionID,
			e.IPAddress, e.Error, details)
		return err
	})
}

// eventFilter renders q as a WHERE clause over events. Each filter column
// has an index (realm_id, column, time DESC, id DESC), so a filtered
// listing reads its page in order instead of sorting the realm's events.
func eventFilter(a *args, realmID string, q store.EventQuery) string {
	conds := []string{"realm_id = " + a.add(realmID)}
	if types := dedupe(q.Types); len(types) > 0 {
		conds = append(conds, "type IN "+a.in(types))
	}
	for _, f := range []struct{ col, val string }{
		{"client_id", q.ClientID},
		{"user_id", q.UserID},
		{"ip_address", q.IPAddress},
	} {
		if f.val != "" {
			conds = append(conds, f.col+" = "+a.add(f.val))
		}
	}
	conds = append(conds, timeRange(a, "time", q.From, q.To)...)
	return strings.Join(conds, " AND ")
}

// ListEvents implements store.EventStore.
func (s *Store) ListEvents(ctx context.Context, realmID string, eq store.EventQuery) ([]model.Event, error) {
	var a args
	where := eventFilter(&a, realmID, eq)
	return readAll(ctx, s, `SELECT `+eventCols+` FROM events WHERE `+where+
		` ORDER BY time DESC, id DESC`+limit(eq.Page), a.vals, scanEvent)
}

// ceilMillis is the first millisecond at or after t. Stored times are
// truncated to the millisecond, so a lower bound (From, or the exclusive
// before) with a fraction of one must round up to keep its meaning; upper
// bounds round down, as UnixMilli does.
func ceilMillis(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.After(time.UnixMilli(ms)) {
		ms++
	}
	return ms
}

// DeleteEvents implements store.EventStore.
func (s *Store) DeleteEvents(ctx context.Context, realmID string, before time.Time) (int, error) {
	query := `DELETE FROM events WHERE realm_id = $1`
	vals := []any{realmID}
	if !before.IsZero() {
		query += ` AND time < $2`
		vals = append(vals, ceilMillis(before))
	}
	var n int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, query, vals...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// encodeDetails is an event's details as stored: a JSON object, "{}" when
// there are none.
func encodeDetails(d map[string]string) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(d)
	return string(b), err
}

// decodeDetails reads encodeDetails' column back; none is a nil map.
func decodeDetails(s string) (map[string]string, error) {
	if s == "" || s == "{}" {
		return nil, nil
	}
	var d map[string]string
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return nil, fmt.Errorf("decoding details: %w", err)
	}
	return d, nil
}
