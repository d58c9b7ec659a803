package sqlstore

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Infix search through trigram indexes.
//
// PostgreSQL needs nothing here: pg_trgm GIN indexes on the four searched
// columns (migration 0008) serve the LIKE conditions as they are, and its
// planner weighs them against walking the realm.
//
// SQLite's FTS5 trigram table (users_trgm, keyed through users_trgm_keys)
// is a separate table, so the query has to name it: each infix condition
// of three characters or more adds
//
//	u.id IN (SELECT k.user_id FROM users_trgm JOIN users_trgm_keys k ...
//	         WHERE users_trgm MATCH '<the term as a phrase>')
//
// next to its LIKE. A trigram phrase matches every value containing the
// term (FTS5 folds case per character on both sides), so the IN keeps
// every user the LIKE would and the LIKE decides. Terms shorter than three
// characters have no trigram and stay a scan of the realm.

// minTrigramTerm is the shortest term a trigram index can find.
const minTrigramTerm = 3

// listProbe bounds how many trigram matches a listing reads before it
// gives up narrowing by the index: a term matching more users than this
// (across all realms) is common enough that walking the realm in username
// order finds a page of matches sooner than fetching and sorting every
// match. Counts read every match either way and always narrow (probe 0).
const listProbe = 1000

// ftsColumn is users_trgm's column for each searched column of users.
var ftsColumn = map[string]string{
	"u.username":         "username",
	"u.email":            "email",
	"u.first_name_lower": "first_name",
	"u.last_name_lower":  "last_name",
}

// addTrigram notes, on a dialect with an FTS5 trigram table, the FTS5
// query that finds every user one of whose cols contains all of segments
// (lower-case). Segments shorter than three characters are left to the
// LIKE; when no segment is long enough there is nothing to note.
func (f *userFilter) addTrigram(d Dialect, cols, segments []string) {
	if !d.FTS5Trigrams {
		return
	}
	var parts []string
	for _, seg := range segments {
		// Invalid UTF-8 or a NUL could be read differently by the
		// tokenizer than by LIKE: such a term keeps the scan.
		if utf8.RuneCountInString(seg) < minTrigramTerm || !utf8.ValidString(seg) || strings.ContainsRune(seg, 0) {
			continue
		}
		phrase := `"` + strings.ReplaceAll(seg, `"`, `""`) + `"`
		if len(cols) == 1 {
			phrase = ftsColumn[cols[0]] + " : " + phrase
		}
		parts = append(parts, phrase)
	}
	if len(parts) > 0 {
		f.trigram = append(f.trigram, strings.Join(parts, " AND "))
	}
}

// narrow adds the noted trigram queries as conditions. With probe > 0 a
// query is only used when it matches fewer than probe users; others are
// left to the LIKE alone.
func (f *userFilter) narrow(ctx context.Context, q querier, probe int) error {
	for _, m := range f.trigram {
		if probe > 0 {
			var n int
			if err := q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM users_trgm
				WHERE users_trgm MATCH $1 LIMIT $2)`, m, probe).Scan(&n); err != nil {
				return err
			}
			if n >= probe {
				continue
			}
		}
		f.conds = append(f.conds, "u.id IN (SELECT k.user_id FROM users_trgm JOIN users_trgm_keys k"+
			" ON k.rid = users_trgm.rowid WHERE users_trgm MATCH "+f.a.add(m)+")")
		f.narrowed = true
	}
	return nil
}
