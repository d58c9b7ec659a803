package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/latchkey/latchkey/internal/store"
)

// newID returns a random UUID. Version 7 keeps its random bits but starts
// with the time, so new rows land at the end of primary-key b-trees instead
// of splitting pages all over a million-user table.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// ensureID and ensureCreated implement the Create rules of the contract.
func ensureID(id *string) {
	if *id == "" {
		*id = newID()
	}
}

// ensureCreated sets *t to now when zero and normalises it to what the
// database keeps (UTC, milliseconds), so the caller's struct equals what a
// later read returns.
func ensureCreated(t *time.Time) {
	if t.IsZero() {
		*t = time.Now()
	}
	*t = fromMillis(t.UnixMilli())
}

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// args collects query arguments and hands out their numbered placeholders,
// so that dynamically built queries never count by hand.
type args struct{ vals []any }

func (a *args) add(v any) string {
	a.vals = append(a.vals, v)
	return "$" + strconv.Itoa(len(a.vals))
}

// in returns "($3, $4, $5)" for vals.
func (a *args) in(vals []string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.add(v))
	}
	b.WriteByte(')')
	return b.String()
}

// limit renders a page. Both dialects accept LIMIT with OFFSET, and a
// LIMIT of MaxInt64 stands for "no limit" in both.
func limit(p store.Page) string {
	n := int64(math.MaxInt64)
	if p.Max > 0 {
		n = int64(p.Max)
	}
	first := max(p.First, 0)
	return fmt.Sprintf(" LIMIT %d OFFSET %d", n, first)
}

// likeEscape escapes LIKE's wildcards; queries use ESCAPE '\'.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// prefixUpper is the exclusive upper bound of the strings starting with
// prefix, in byte order (SQLite's BINARY and PostgreSQL's "C" collation):
// a range condition on it uses a plain b-tree index in both databases,
// which LIKE does not.
func prefixUpper(prefix string) string { return prefix + "\U0010FFFF" }

// dedupe returns ids without repeats, keeping order.
func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// chunks splits ids so that IN lists stay far below both databases' limits
// on bound parameters.
func chunks(ids []string) [][]string {
	const size = 500
	var out [][]string
	for len(ids) > size {
		out = append(out, ids[:size])
		ids = ids[size:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// notFound turns sql.ErrNoRows into store.ErrNotFound naming what was
// missing.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", store.ErrNotFound, what)
	}
	return err
}

// mustAffect returns ErrNotFound when an UPDATE or DELETE matched no row.
func mustAffect(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", store.ErrNotFound, what)
	}
	return nil
}

// nullIfEmpty stores "" as NULL, for columns where NULL means "none" and
// must not take part in a unique index.
func nullIfEmpty(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// scanner is what a scan function reads a row from.
type scanner = interface{ Scan(...any) error }

// readAll runs a listing query and scans every row with scan, through
// s.read (the transaction, or the read pool with retries).
func readAll[T any](ctx context.Context, s *Store, query string, vals []any, scan func(scanner) (T, error)) ([]T, error) {
	var out []T
	err := s.read(ctx, func(q querier) error {
		out = out[:0]
		rows, err := q.QueryContext(ctx, query, vals...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

// timeRange renders inclusive bounds on a millisecond column: a lower
// bound with a fraction of a millisecond rounds up, an upper one down, so
// both keep their meaning against stored (truncated) times.
func timeRange(a *args, col string, from, to time.Time) []string {
	var conds []string
	if !from.IsZero() {
		conds = append(conds, col+" >= "+a.add(ceilMillis(from)))
	}
	if !to.IsZero() {
		conds = append(conds, col+" <= "+a.add(to.UnixMilli()))
	}
	return conds
}
