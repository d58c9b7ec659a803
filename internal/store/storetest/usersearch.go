package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// searchModel is what ListUsers and CountUsers must answer, computed in Go
// from the users a test wrote: every search compares lower-cased values
// (strings.ToLower on both sides), an infix is a substring, a pattern's
// '*' any run of characters with the value free to go on, and listings are
// in username (byte) order. Backends may serve a search from any index
// (trigram indexes for infix terms of three characters or more, a scan
// for shorter ones); the answer must be this one.
type searchModel map[string]*model.User // by ID

func (m searchModel) want(q store.UserQuery) []string {
	var out []string
	for _, u := range m {
		if u.ServiceAccountClientID != "" && !q.IncludeServiceAccounts {
			continue
		}
		vals := []string{strings.ToLower(u.Username), strings.ToLower(u.Email),
			strings.ToLower(u.FirstName), strings.ToLower(u.LastName)}
		ok := true
		for _, tok := range q.Search {
			ok = ok && slices.ContainsFunc(vals, func(v string) bool { return tokenMatches(tok, v) })
		}
		for i, f := range []string{q.Username, q.Email, q.FirstName, q.LastName} {
			f = strings.ToLower(f)
			switch {
			case f == "":
			case q.Exact:
				ok = ok && vals[i] == f
			default:
				ok = ok && strings.Contains(vals[i], f)
			}
		}
		if ok {
			out = append(out, strings.ToLower(u.Username))
		}
	}
	slices.Sort(out)
	return out
}

func tokenMatches(tok store.SearchToken, v string) bool {
	text := strings.ToLower(tok.Text)
	switch tok.Match {
	case store.MatchExact:
		return v == text
	case store.MatchInfix:
		return strings.Contains(v, text)
	case store.MatchPattern:
		segs := strings.Split(text, "*")
		if !strings.HasPrefix(v, segs[0]) {
			return false
		}
		rest := v[len(segs[0]):]
		for _, seg := range segs[1:] {
			i := strings.Index(rest, seg)
			if i < 0 {
				return false
			}
			rest = rest[i+len(seg):]
		}
		return true
	default:
		return strings.HasPrefix(v, text)
	}
}

// check runs q through ListUsers and CountUsers and compares both with the
// model.
func (m searchModel) check(t *testing.T, s store.Store, realmID, what string, q store.UserQuery) {
	t.Helper()
	ctx := ctxFor(t)
	want := m.want(q)
	got, err := s.ListUsers(ctx, realmID, q)
	if err != nil {
		t.Errorf("%s: ListUsers: %v", what, err)
		return
	}
	for _, u := range got {
		if m[u.ID] == nil || u.RealmID != realmID {
			t.Errorf("%s: ListUsers returned %q (id %s) of another realm or deleted", what, u.Username, u.ID)
		}
	}
	checkList(t, what+": ListUsers", usernames(got), want)
	n, err := s.CountUsers(ctx, realmID, q)
	if err != nil {
		t.Errorf("%s: CountUsers: %v", what, err)
	} else if n != len(want) {
		t.Errorf("%s: CountUsers = %d, want %d", what, n, len(want))
	}
}

// searchPeople have values that make trigram indexes and LIKE disagree if
// a backend gets it wrong: non-ASCII letters in both cases, LIKE's own
// wildcards and escape as literal characters, FTS5's quote, spaces, values
// shorter than a trigram, and look-alikes (salex50yoff matches sale%50_off
// where % and _ would be wildcards).
var searchPeople = []struct{ username, email, first, last string }{
	{"jürgen.müller", "jm@beispiel.de", "Jürgen", "MÜLLER"},
	{"zoe", "Zoe.O@Example.com", "Zoë", `O"Brien`},
	{"sale%50_off", "promo@shop.example", "Sale", "Fifty%Off"},
	{"salex50yoff", "x@shop.example", "Salex", "FiftyXOff"},
	{"lukasz", "lukasz@example.pl", "Łukasz", "Wiśniewski"},
	{"mary.ann", "mary@example.com", "Mary Ann", "Smith-Jones"},
	{"ab", "", "A", "B"},
	{"aiko", "aiko@example.jp", "愛子", "佐藤"},
	{`back\slash`, "bs@example.org", `C:\Dir`, "Path_Name"},
	{"élodie", "ELODIE@EXAMPLE.FR", "Élodie", "Lefèvre"},
}

// searchTerms are the infix terms every query shape is tried with: the
// fixed ones below plus substrings of each person's values of 1 to 5
// characters.
func searchTerms() []string {
	terms := []string{"ü", "ÜLL", "jürgen.m", `o"b`, `"`, "%", "%50", "e%5", "_", "_of", "0_o", "x50",
		"ł", "ŁUK", "ŚNIE", "y a", "MARY ANN", "-jo", "example", "EXAMPLE.COM", "ab", "a", "b",
		"愛", "愛子", "佐藤", "子", `\`, `c:\d`, `h_n`, "zzz", "e", "ex", "exa", "@", "@ex", ".", "..",
		"shop", "sale", "off", "fifty%off", "50_", " ", "  ", "èvr", "ÉLO", "lodie@", "'", "''", "a'b"}
	for i, p := range searchPeople {
		for j, v := range []string{p.username, p.email, p.first, p.last} {
			r := []rune(v)
			for n := 1; n <= 5 && n <= len(r); n++ {
				at := (i + j + n) % (len(r) - n + 1)
				terms = append(terms, string(r[at:at+n]))
			}
		}
	}
	slices.Sort(terms)
	return slices.Compact(terms)
}

// testUserSearch checks infix, pattern and field searches, and counts,
// against searchModel: on users with awkward values, after renames, email
// changes and deletions, with look-alikes in another realm, and with the
// people counter kept through every kind of write.
func testUserSearch(t *testing.T, s store.Store) {
	realm := newRealm(t, s)
	other := newRealm(t, s)
	m := searchModel{}
	for _, r := range []*model.Realm{realm, other} {
		svc := newClient(t, s, r.ID, "shop")
		for _, p := range searchPeople {
			u := newUser(t, s, r.ID, p.username, func(u *model.User) {
				u.Email, u.FirstName, u.LastName = p.email, p.first, p.last
			})
			if r == realm {
				m[u.ID] = u
			}
		}
		// A service account that matches many of the terms.
		u := newUser(t, s, r.ID, "service-account-shop", func(u *model.User) {
			u.FirstName, u.ServiceAccountClientID = "Sale Example", svc.ID
		})
		if r == realm {
			m[u.ID] = u
		}
	}
	// Users only in the other realm, matching terms that match nobody here.
	for _, name := range []string{"zzzz", "qux-only-other"} {
		newUser(t, s, other.ID, name, func(u *model.User) { u.Email = name + "@example.com" })
	}

	terms := searchTerms()
	checkTerms := func(t *testing.T, terms []string) {
		for _, term := range terms {
			m.check(t, s, realm.ID, "search *"+term+"*", store.UserQuery{Search: tokens(store.MatchInfix, term)})
			m.check(t, s, realm.ID, "search *"+term+"* with service accounts",
				store.UserQuery{Search: tokens(store.MatchInfix, term), IncludeServiceAccounts: true})
			m.check(t, s, realm.ID, "username="+term, store.UserQuery{Username: term, IncludeServiceAccounts: true})
			m.check(t, s, realm.ID, "email="+term, store.UserQuery{Email: term, IncludeServiceAccounts: true})
			m.check(t, s, realm.ID, "firstName="+term, store.UserQuery{FirstName: term, IncludeServiceAccounts: true})
			m.check(t, s, realm.ID, "lastName="+term, store.UserQuery{LastName: term, IncludeServiceAccounts: true})
			if r := []rune(term); len(r) >= 2 && !strings.Contains(term, "*") {
				pat := string(r[:len(r)/2]) + "*" + string(r[len(r)/2:])
				m.check(t, s, realm.ID, "search "+pat, store.UserQuery{Search: tokens(store.MatchPattern, pat)})
				m.check(t, s, realm.ID, "search *"+pat, store.UserQuery{Search: tokens(store.MatchPattern, "*"+pat)})
			}
		}
	}
	t.Run("Terms", func(t *testing.T) { checkTerms(t, terms) })

	t.Run("Combined", func(t *testing.T) {
		m.check(t, s, realm.ID, "two infix tokens", store.UserQuery{Search: tokens(store.MatchInfix, "example", "luk")})
		m.check(t, s, realm.ID, "infix and prefix", store.UserQuery{Search: []store.SearchToken{
			{Text: "example", Match: store.MatchInfix}, {Text: "ma", Match: store.MatchPrefix}}})
		m.check(t, s, realm.ID, "two long segments", store.UserQuery{Search: tokens(store.MatchPattern, "sale*off")})
		m.check(t, s, realm.ID, "segments of 3 and 1", store.UserQuery{Search: tokens(store.MatchPattern, "*sal*5")})
		m.check(t, s, realm.ID, "username and email infix", store.UserQuery{Username: "sale", Email: "shop"})
		m.check(t, s, realm.ID, "exact fields", store.UserQuery{Username: "SALE%50_OFF", Exact: true})
		m.check(t, s, realm.ID, "everyone", store.UserQuery{})
		m.check(t, s, realm.ID, "everyone with service accounts", store.UserQuery{IncludeServiceAccounts: true})
	})

	t.Run("AfterUpdates", func(t *testing.T) {
		ctx := ctxFor(t)
		byName := func(name string) *model.User {
			for _, u := range m {
				if u.Username == name {
					return u
				}
			}
			t.Fatalf("no user %q in the model", name)
			return nil
		}
		// Renamed, with a new email and names: found by the new values
		// only, old terms of every length included.
		u := byName("jürgen.müller")
		u.Username, u.Email, u.FirstName, u.LastName = "juergen.mueller", "jmueller@neu.example", "Jörg", "Meier"
		must(t, s.UpdateUser(ctx, u, true))
		// Only the email changes.
		z := byName("zoe")
		z.Email = "zoe@changed.example"
		must(t, s.UpdateUser(ctx, z, true))
		// Deleted.
		gone := byName("lukasz")
		must(t, s.DeleteUser(ctx, realm.ID, gone.ID))
		delete(m, gone.ID)
		// A person made a service account and a service account made a
		// person (the counter follows both).
		svc := newClient(t, s, realm.ID, uniq("svc"))
		p := byName("mary.ann")
		p.ServiceAccountClientID = svc.ID
		must(t, s.UpdateUser(ctx, p, true))
		sa := byName("service-account-shop")
		sa.ServiceAccountClientID = ""
		must(t, s.UpdateUser(ctx, sa, true))
		// An update that changes nothing searched.
		e := byName("élodie")
		e.Enabled = false
		must(t, s.UpdateUser(ctx, e, true))

		checkTerms(t, append(terms, "jür", "müll", "ürg", "@beispiel", "juer", "mueller", "neu.ex", "jö", "jör",
			"meier", "o@ex", "changed", "łukasz", "wiś", "ukas"))
	})

	t.Run("Counts", func(t *testing.T) {
		ctx := ctxFor(t)
		m.check(t, s, realm.ID, "count of everyone", store.UserQuery{})
		m.check(t, s, realm.ID, "count with service accounts", store.UserQuery{IncludeServiceAccounts: true})
		// Deleting the other realm (its users go by cascade) leaves this
		// realm's count alone; the deleted realm counts no one.
		must(t, s.DeleteRealm(ctx, other.ID))
		m.check(t, s, realm.ID, "count after another realm's deletion", store.UserQuery{})
		n, err := s.CountUsers(ctx, other.ID, store.UserQuery{})
		must(t, err)
		if n != 0 {
			t.Errorf("CountUsers of a deleted realm = %d, want 0", n)
		}
		n, err = s.CountUsers(ctx, "no-such-realm", store.UserQuery{IncludeServiceAccounts: true})
		must(t, err)
		if n != 0 {
			t.Errorf("CountUsers of an unknown realm = %d, want 0", n)
		}
		// Users written inside a transaction are counted by it, and not at
		// all when it rolls back.
		rolledBack := errors.New("roll back")
		err = s.InTx(ctx, func(tx store.Store) error {
			for i := range 3 {
				if err := tx.CreateUser(ctx, &model.User{RealmID: realm.ID, Username: fmt.Sprintf("txuser%d", i)}, true); err != nil {
					return err
				}
			}
			n, err := tx.CountUsers(ctx, realm.ID, store.UserQuery{})
			if err != nil {
				return err
			}
			if want := len(m.want(store.UserQuery{})) + 3; n != want {
				t.Errorf("CountUsers inside the transaction = %d, want %d", n, want)
			}
			return rolledBack
		})
		if !errors.Is(err, rolledBack) {
			t.Fatalf("InTx = %v, want the function's error", err)
		}
		m.check(t, s, realm.ID, "count after a rollback", store.UserQuery{})
	})
}
