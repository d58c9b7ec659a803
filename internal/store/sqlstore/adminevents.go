package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Admin events are kept as user events are (events.go): the auth fields are
// plain text without foreign keys, so an event outlives the caller's user,
// client and even realm, and only the changed realm's deletion or
// DeleteAdminEvents removes it. Listings come newest first, ties broken by
// id, so that paging through one millisecond neither repeats nor skips.

const adminEventCols = `id, realm_id, time, auth_realm_id, auth_client_id, auth_user_id,
	auth_ip_address, operation_type, resource_type, resource_path, representation, error, details`

func scanAdminEvent(sc interface{ Scan(...any) error }) (model.AdminEvent, error) {
	var (
		e       model.AdminEvent
		at      int64
		details string
	)
	if err := sc.Scan(&e.ID, &e.RealmID, &at, &e.AuthRealmID, &e.AuthClientID, &e.AuthUserID,
		&e.AuthIPAddress, &e.OperationType, &e.ResourceType, &e.ResourcePath, &e.Representation,
		&e.Error, &details); err != nil {
		return e, err
	}
	e.Time = fromMillis(at)
	var err error
	if e.Details, err = decodeDetails(details); err != nil {
		return e, fmt.Errorf("sqlstore: admin event %s: %w", e.ID, err)
	}
	return e, nil
}

// AppendAdminEvent implements store.AdminEventStore. Time follows the
// CreatedAt rule: now when zero, written back. A missing realm is
// ErrNotFound (the foreign key refuses the row).
func (s *Store) AppendAdminEvent(ctx context.Context, e *model.AdminEvent) error {
	ensureID(&e.ID)
	ensureCreated(&e.Time)
	details, err := encodeDetails(e.Details)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO admin_events (`+adminEventCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			e.ID, e.RealmID, e.Time.UnixMilli(), e.AuthRealmID, e.AuthClientID, e.AuthUserID,
			e.AuthIPAddress, e.OperationType, e.ResourceType, e.ResourcePath, e.Representation,
			e.Error, details)
		return err
	})
}

// adminEventFilter renders q as a WHERE clause over admin_events. Operation
// type, resource type, auth user and resource path have an index (realm_id,
// column, time DESC, id DESC), so those listings read their page in index
// order; a path prefix is a range on the path index, as users' prefix
// search is (users_query.go), because LIKE cannot use a plain b-tree index
// on PostgreSQL. The other auth fields narrow what the realm's index reads.
func adminEventFilter(a *args, realmID string, q store.AdminEventQuery) string {
	conds := []string{"realm_id = " + a.add(realmID)}
	for _, f := range []struct {
		col  string
		vals []string
	}{
		{"operation_type", q.OperationTypes},
		{"resource_type", q.ResourceTypes},
	} {
		if vals := dedupe(f.vals); len(vals) > 0 {
			conds = append(conds, f.col+" IN "+a.in(vals))
		}
	}
	if prefix, ok := strings.CutSuffix(q.ResourcePath, "*"); ok {
		// "*" alone matches every path, the empty one included.
		if prefix != "" {
			conds = append(conds, "resource_path >= "+a.add(prefix)+
				" AND resource_path < "+a.add(prefixUpper(prefix)))
		}
	} else if q.ResourcePath != "" {
		conds = append(conds, "resource_path = "+a.add(q.ResourcePath))
	}
	for _, f := range []struct{ col, val string }{
		{"auth_realm_id", q.AuthRealmID},
		{"auth_client_id", q.AuthClientID},
		{"auth_user_id", q.AuthUserID},
		{"auth_ip_address", q.AuthIPAddress},
	} {
		if f.val != "" {
			conds = append(conds, f.col+" = "+a.add(f.val))
		}
	}
	conds = append(conds, timeRange(a, "time", q.From, q.To)...)
	return strings.Join(conds, " AND ")
}

// ListAdminEvents implements store.AdminEventStore.
func (s *Store) ListAdminEvents(ctx context.Context, realmID string, aq store.AdminEventQuery) ([]model.AdminEvent, error) {
	var a args
	where := adminEventFilter(&a, realmID, aq)
	return readAll(ctx, s, `SELECT `+adminEventCols+` FROM admin_events WHERE `+where+
		` ORDER BY time DESC, id DESC`+limit(aq.Page), a.vals, scanAdminEvent)
}

// DeleteAdminEvents implements store.AdminEventStore. A before with a
// fraction of a millisecond rounds up, as in DeleteEvents: an event stored
// at the whole millisecond below it is older than before.
func (s *Store) DeleteAdminEvents(ctx context.Context, realmID string, before time.Time) (int, error) {
	query := `DELETE FROM admin_events WHERE realm_id = $1`
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
