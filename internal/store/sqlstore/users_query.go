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

// userFilter renders q as a WHERE clause over "users u". Prefix searches,
// exact values and attributes are written so that an index serves them:
// prefixes are ranges on lower-cased columns, attributes an IN over the
// (name, value) index. Infix and wildcard searches are LIKE patterns,
// which scan the realm's users (trigram indexes would serve them; not yet).
func userFilter(a *args, realmID string, q store.UserQuery) string {
	conds := []string{"u.realm_id = " + a.add(realmID)}
	if !q.IncludeServiceAccounts {
		conds = append(conds, "u.service_account_client_id IS NULL")
	}
	for _, tok := range q.Search {
		if c := searchCond(a, tok); c != "" {
			conds = append(conds, c)
		}
	}
	for _, f := range []struct{ col, val string }{
		{"u.username", q.Username},
		{"u.email", q.Email},
		{"u.first_name_lower", q.FirstName},
		{"u.last_name_lower", q.LastName},
	} {
		v := strings.ToLower(f.val)
		switch {
		case v == "":
		case q.Exact:
			conds = append(conds, f.col+" = "+a.add(v))
		default:
			conds = append(conds, f.col+" LIKE "+a.add("%"+likeEscape(v)+"%")+` ESCAPE '\'`)
		}
	}
	if q.Enabled != nil {
		conds = append(conds, "u.enabled = "+a.add(*q.Enabled))
	}
	if q.EmailVerified != nil {
		conds = append(conds, "u.email_verified = "+a.add(*q.EmailVerified))
	}
	names := make([]string, 0, len(q.Attributes))
	for name := range q.Attributes {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		conds = append(conds, "u.id IN (SELECT ua.user_id FROM user_attributes ua WHERE ua.name = "+
			a.add(name)+" AND lower(ua.value) = "+a.add(strings.ToLower(q.Attributes[name]))+")")
	}
	return strings.Join(conds, " AND ")
}

// searchCond is one search token: it holds when any of searchCols
// matches. An empty prefix or pattern matches everyone and adds nothing.
func searchCond(a *args, tok store.SearchToken) string {
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
	case store.MatchPattern:
		pat := strings.ReplaceAll(likeEscape(text), "*", "%")
		if !strings.HasSuffix(pat, "%") {
			pat += "%"
		}
		if strings.Trim(pat, "%") == "" {
			return ""
		}
		v := a.add(pat)
		one = func(col string) string { return col + " LIKE " + v + ` ESCAPE '\'` }
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
	var a args
	where := userFilter(&a, realmID, q)
	return s.listUsers(ctx, `SELECT `+userCols+` FROM users u WHERE `+where+
		` ORDER BY u.username`+limit(q.Page), a.vals)
}

// CountUsers implements store.UserStore.
func (s *Store) CountUsers(ctx context.Context, realmID string, q store.UserQuery) (int, error) {
	var a args
	where := userFilter(&a, realmID, q)
	var n int
	err := s.read(ctx, func(qr querier) error {
		return qr.QueryRowContext(ctx, `SELECT count(*) FROM users u WHERE `+where, a.vals...).Scan(&n)
	})
	return n, err
}

func (s *Store) listUsers(ctx context.Context, query string, vals []any) ([]model.User, error) {
	var out []model.User
	err := s.read(ctx, func(q querier) error {
		out = out[:0]
		rows, err := q.QueryContext(ctx, query, vals...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return loadUserDetails(ctx, q, out)
	})
	return out, err
}
