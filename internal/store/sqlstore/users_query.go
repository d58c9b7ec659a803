package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// searchCols are the columns a search token is compared with, all kept
// lower-case by the writers.
var searchCols = []string{"u.username", "u.email", "u.first_name_lower", "u.last_name_lower"}

// userFilter is a UserQuery rendered as a WHERE clause over "users u".
// Prefix searches, exact values and attributes are written so that an
// index serves them: prefixes are ranges on lower-cased columns,
// attributes an IN over the (name, lower(value)) index. Infix and wildcard
// searches are LIKE patterns; trigram indexes serve those of three
// characters or more (users_trgm.go), and the LIKE stays as the exact
// check, so the results never depend on which index ran.
type userFilter struct {
	a     args
	realm string   // placeholder of the realm id
	conds []string // everything but the realm and the service-account rule
	// people leaves service accounts out.
	people bool
	// trigram holds, on a dialect with an FTS5 trigram table, one FTS5
	// query per infix condition that can narrow the candidates (terms of
	// three characters or more); narrow turns the useful ones into
	// conditions.
	trigram []string
	// narrowed is set when a trigram condition drives the query.
	narrowed bool
}

func newUserFilter(d Dialect, realmID string, q store.UserQuery) *userFilter {
	f := &userFilter{people: !q.IncludeServiceAccounts}
	f.realm = f.a.add(realmID)
	for _, tok := range q.Search {
		if c := f.searchCond(d, tok); c != "" {
			f.conds = append(f.conds, c)
		}
	}
	for _, fl := range []struct{ col, val string }{
		{"u.username", q.Username},
		{"u.email", q.Email},
		{"u.first_name_lower", q.FirstName},
		{"u.last_name_lower", q.LastName},
	} {
		v := strings.ToLower(fl.val)
		switch {
		case v == "":
		case q.Exact:
			f.conds = append(f.conds, fl.col+" = "+f.a.add(v))
		default:
			f.conds = append(f.conds, fl.col+" LIKE "+f.a.add("%"+likeEscape(v)+"%")+` ESCAPE '\'`)
			f.addTrigram(d, []string{fl.col}, []string{v})
		}
	}
	if q.Enabled != nil {
		f.conds = append(f.conds, "u.enabled = "+f.a.add(*q.Enabled))
	}
	if q.EmailVerified != nil {
		f.conds = append(f.conds, "u.email_verified = "+f.a.add(*q.EmailVerified))
	}
	names := make([]string, 0, len(q.Attributes))
	for name := range q.Attributes {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f.conds = append(f.conds, "u.id IN (SELECT ua.user_id FROM user_attributes ua WHERE ua.name = "+
			f.a.add(name)+" AND lower(ua.value) = "+f.a.add(strings.ToLower(q.Attributes[name]))+")")
	}
	return f
}

// unfiltered reports whether the query selects the whole realm (people
// only, or everyone).
func (f *userFilter) unfiltered() bool { return len(f.conds) == 0 }

// where renders the clause. When a trigram condition drives the query,
// the realm's equality is written +u.realm_id (SQLite's way of saying "not
// through an index"), so that the planner cannot prefer walking the realm
// in username order, which at a million users reads the whole realm for a
// rare term.
func (f *userFilter) where() string {
	realm := "u.realm_id = " + f.realm
	if f.narrowed {
		realm = "+" + realm
	}
	conds := []string{realm}
	if f.people {
		conds = append(conds, "u.service_account_client_id IS NULL")
	}
	return strings.Join(append(conds, f.conds...), " AND ")
}

// searchCond is one search token: it holds when any of searchCols
// matches. An empty prefix or pattern matches everyone and adds nothing.
func (f *userFilter) searchCond(d Dialect, tok store.SearchToken) string {
	a := &f.a
	text := strings.ToLower(tok.Text)
	var one func(col string) string
	switch tok.Match {
	case store.MatchExact:
		v := a.add(text)
		one = func(col string) string { return col + " = " + v }
	case store.MatchInfix:
		if text == "" {
			return ""
		}
		v := a.add("%" + likeEscape(text) + "%")
		one = func(col string) string { return col + " LIKE " + v + ` ESCAPE '\'` }
		f.addTrigram(d, searchCols, []string{text})
	case store.MatchPattern:
		if strings.Trim(text, "*") == "" {
			return ""
		}
		// The value may go on after the last character. (Asked of the
		// text, not the pattern: a pattern ending in an escaped \% ends
		// with a literal '%' and still needs the wildcard.)
		pat := strings.ReplaceAll(likeEscape(text), "*", "%")
		if !strings.HasSuffix(text, "*") {
			pat += "%"
		}
		v := a.add(pat)
		one = func(col string) string { return col + " LIKE " + v + ` ESCAPE '\'` }
		f.addTrigram(d, searchCols, strings.Split(text, "*"))
	default:
		if text == "" {
			return ""
		}
		lo, hi := a.add(text), a.add(prefixUpper(text))
		one = func(col string) string { return "(" + col + " >= " + lo + " AND " + col + " < " + hi + ")" }
	}
	ors := make([]string, 0, len(searchCols))
	for _, col := range searchCols {
		ors = append(ors, one(col))
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// ListUsers implements store.UserStore.
func (s *Store) ListUsers(ctx context.Context, realmID string, q store.UserQuery) ([]model.User, error) {
	var out []model.User
	err := s.read(ctx, func(qr querier) error {
		f := newUserFilter(s.p.dialect, realmID, q)
		if err := f.narrow(ctx, qr, listProbe); err != nil {
			return err
		}
		var err error
		out, err = queryUsers(ctx, qr, `SELECT `+userCols+` FROM users u WHERE `+f.where()+
			` ORDER BY u.username`+limit(q.Page), slices.Concat(s.p.dialect.CustomPlan, f.a.vals))
		return err
	})
	return out, err
}

// CountUsers implements store.UserStore. The whole realm is counted from
// user_counts, kept by triggers in the same transaction as every insert
// and delete, rather than by reading every user.
func (s *Store) CountUsers(ctx context.Context, realmID string, q store.UserQuery) (int, error) {
	var n int
	err := s.read(ctx, func(qr querier) error {
		f := newUserFilter(s.p.dialect, realmID, q)
		if f.unfiltered() {
			var slots, people int
			if err := qr.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(people), 0) FROM user_counts
				WHERE realm_id = $1`, realmID).Scan(&slots, &people); err != nil {
				return err
			}
			// A realm always has its counters; without them (a realm
			// that does not exist) the count below says 0 as before.
			if slots > 0 {
				n = people
				if !f.people {
					// Service accounts are few, and the partial index
					// users_realm_service_account holds exactly them.
					var accounts int
					if err := qr.QueryRowContext(ctx, `SELECT count(*) FROM users
						WHERE realm_id = $1 AND service_account_client_id IS NOT NULL`, realmID).Scan(&accounts); err != nil {
						return err
					}
					n += accounts
				}
				return nil
			}
		}
		if err := f.narrow(ctx, qr, 0); err != nil {
			return err
		}
		return qr.QueryRowContext(ctx, `SELECT count(*) FROM users u WHERE `+f.where(),
			slices.Concat(s.p.dialect.CustomPlan, f.a.vals)...).Scan(&n)
	})
	return n, err
}

func (s *Store) listUsers(ctx context.Context, query string, vals []any) ([]model.User, error) {
	var out []model.User
	err := s.read(ctx, func(q querier) error {
		var err error
		out, err = queryUsers(ctx, q, query, vals)
		return err
	})
	return out, err
}

func queryUsers(ctx context.Context, q querier, query string, vals []any) ([]model.User, error) {
	var out []model.User
	rows, err := q.QueryContext(ctx, query, vals...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := loadUserDetails(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}
