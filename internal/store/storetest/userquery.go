package storetest

import (
	"fmt"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// testUserQueries checks ListUsers and CountUsers against a fixed set of
// users, with a second realm holding look-alikes that must never appear.
func testUserQueries(t *testing.T, s store.Store) {
	realm := newRealm(t, s)
	other := newRealm(t, s)
	svc := newClient(t, s, realm.ID, "svc")

	type person struct {
		username, email, first, last string
		enabled, verified            bool
		attrs                        map[string][]string
		serviceAccount               bool
	}
	people := []person{
		{"alice", "alice@example.com", "Alice", "Zimmer", true, true, map[string][]string{"dept": {"eng", "ops"}, "level": {"senior"}}, false},
		{"albert", "bert@sample.org", "Albert", "Young", true, false, map[string][]string{"dept": {"sales"}}, false},
		{"bob", "bob@example.com", "Robert", "Alvarez", false, true, map[string][]string{"dept": {"eng"}}, false},
		{"carol", "", "Carol", "Smith", true, false, nil, false},
		{"dave", "dave@corp.example.net", "Dave", "Alanson", true, true, map[string][]string{"level": {"junior"}}, false},
		{"erin", "erin@example.com", "Erin", "Brown", true, true, nil, false},
		{"service-account-svc", "", "", "", true, false, nil, true},
	}
	mine := map[string]bool{}
	for _, p := range people {
		u := newUser(t, s, realm.ID, p.username, func(u *model.User) {
			u.Email, u.FirstName, u.LastName = p.email, p.first, p.last
			u.Enabled, u.EmailVerified, u.Attributes = p.enabled, p.verified, p.attrs
			if p.serviceAccount {
				u.ServiceAccountClientID = svc.ID
			}
		})
		mine[u.ID] = true
	}
	// Look-alikes in another realm: same names, and names that would match
	// most of the queries below.
	otherSvc := newClient(t, s, other.ID, "svc")
	for _, name := range []string{"alice", "alpha", "bob", "exampleuser"} {
		newUser(t, s, other.ID, name, func(u *model.User) {
			u.Email = name + "@example.com"
			u.FirstName, u.LastName = "Al", "Alvarez"
			u.EmailVerified = true
			u.Attributes = map[string][]string{"dept": {"eng"}, "level": {"senior", "junior"}}
		})
	}
	newUser(t, s, other.ID, "service-account-svc", func(u *model.User) { u.ServiceAccountClientID = otherSvc.ID })

	everyone := []string{"albert", "alice", "bob", "carol", "dave", "erin"}
	tests := []struct {
		name string
		q    store.UserQuery
		want []string
	}{
		{"All", store.UserQuery{}, everyone},
		{"WithServiceAccounts", store.UserQuery{IncludeServiceAccounts: true}, append(everyone[:6:6], "service-account-svc")},

		// Search: prefix of username, email, first or last name.
		{"SearchPrefix", store.UserQuery{Search: prefix("al")}, []string{"albert", "alice", "bob", "dave"}},
		{"SearchUpperCase", store.UserQuery{Search: prefix("AL")}, []string{"albert", "alice", "bob", "dave"}},
		{"SearchIsNotSubstring", store.UserQuery{Search: prefix("example")}, nil},
		{"SearchEmailPrefix", store.UserQuery{Search: prefix("bert")}, []string{"albert"}},
		{"SearchFirstName", store.UserQuery{Search: prefix("rob")}, []string{"bob"}},
		{"SearchLastName", store.UserQuery{Search: prefix("ZIM")}, []string{"alice"}},
		{"SearchExcludesServiceAccounts", store.UserQuery{Search: prefix("serv")}, nil},
		{"SearchServiceAccounts", store.UserQuery{Search: prefix("serv"), IncludeServiceAccounts: true}, []string{"service-account-svc"}},

		// Several tokens: each must match (AND), each on any field (OR).
		{"SearchTokensAnded", store.UserQuery{Search: prefix("al", "zim")}, []string{"alice"}},
		{"SearchTokensAcrossFields", store.UserQuery{Search: prefix("robert", "bob@")}, []string{"bob"}},
		{"SearchTokensNone", store.UserQuery{Search: prefix("al", "smith")}, nil},
		{"SearchEmptyPrefixMatchesAll", store.UserQuery{Search: prefix("")}, everyone},

		// Infix, exact and wildcard tokens.
		{"SearchInfix", store.UserQuery{Search: tokens(store.MatchInfix, "example")}, []string{"alice", "bob", "dave", "erin"}},
		{"SearchInfixUpper", store.UserQuery{Search: tokens(store.MatchInfix, "LVAR")}, []string{"bob"}},
		{"SearchInfixAndPrefix", store.UserQuery{Search: []store.SearchToken{{Text: "example", Match: store.MatchInfix}, {Text: "e", Match: store.MatchPrefix}}}, []string{"erin"}},
		{"SearchExact", store.UserQuery{Search: tokens(store.MatchExact, "ALICE")}, []string{"alice"}},
		{"SearchExactIsWhole", store.UserQuery{Search: tokens(store.MatchExact, "alic")}, nil},
		{"SearchExactEmail", store.UserQuery{Search: tokens(store.MatchExact, "bert@sample.org")}, []string{"albert"}},
		{"SearchExactLastName", store.UserQuery{Search: tokens(store.MatchExact, "young")}, []string{"albert"}},
		{"SearchPattern", store.UserQuery{Search: tokens(store.MatchPattern, "a*n")}, []string{"dave"}},
		{"SearchPatternInner", store.UserQuery{Search: tokens(store.MatchPattern, "al*e")}, []string{"albert", "alice", "bob"}},
		{"SearchPatternOnlyStars", store.UserQuery{Search: tokens(store.MatchPattern, "**")}, everyone},
		{"SearchInfixExcludesServiceAccounts", store.UserQuery{Search: tokens(store.MatchInfix, "account")}, nil},

		// Field filters: substrings, or whole values with Exact.
		{"UsernameSubstring", store.UserQuery{Username: "l"}, []string{"albert", "alice", "carol"}},
		{"UsernameSubstringUpper", store.UserQuery{Username: "LIC"}, []string{"alice"}},
		{"UsernameExact", store.UserQuery{Username: "alice", Exact: true}, []string{"alice"}},
		{"UsernameExactUpper", store.UserQuery{Username: "ALICE", Exact: true}, []string{"alice"}},
		{"UsernameExactPart", store.UserQuery{Username: "ali", Exact: true}, nil},
		{"EmailSubstring", store.UserQuery{Email: "example.com"}, []string{"alice", "bob", "erin"}},
		{"EmailSubstringUpper", store.UserQuery{Email: "EXAMPLE.COM"}, []string{"alice", "bob", "erin"}},
		{"EmailExact", store.UserQuery{Email: "Bob@Example.com", Exact: true}, []string{"bob"}},
		{"EmailExactPart", store.UserQuery{Email: "example.com", Exact: true}, nil},
		{"FirstNameSubstring", store.UserQuery{FirstName: "Al"}, []string{"albert", "alice"}},
		{"FirstNameSubstringOtherCase", store.UserQuery{FirstName: "aL"}, []string{"albert", "alice"}},
		{"FirstNameExact", store.UserQuery{FirstName: "carol", Exact: true}, []string{"carol"}},
		{"FirstNameExactPart", store.UserQuery{FirstName: "Car", Exact: true}, nil},
		{"LastNameSubstring", store.UserQuery{LastName: "son"}, []string{"dave"}},
		{"LastNameExact", store.UserQuery{LastName: "SMITH", Exact: true}, []string{"carol"}},
		{"UsernameAndEmail", store.UserQuery{Username: "b", Email: "example"}, []string{"bob"}},

		{"Enabled", store.UserQuery{Enabled: ptr(true)}, []string{"albert", "alice", "carol", "dave", "erin"}},
		{"Disabled", store.UserQuery{Enabled: ptr(false)}, []string{"bob"}},
		{"EmailVerified", store.UserQuery{EmailVerified: ptr(true)}, []string{"alice", "bob", "dave", "erin"}},
		{"EmailNotVerified", store.UserQuery{EmailVerified: ptr(false)}, []string{"albert", "carol"}},

		{"Attribute", store.UserQuery{Attributes: map[string]string{"dept": "eng"}}, []string{"alice", "bob"}},
		{"AttributeSecondValue", store.UserQuery{Attributes: map[string]string{"dept": "ops"}}, []string{"alice"}},
		{"AttributeValueIsExact", store.UserQuery{Attributes: map[string]string{"dept": "en"}}, nil},
		{"AttributeValueAnyCase", store.UserQuery{Attributes: map[string]string{"dept": "ENG"}}, []string{"alice", "bob"}},
		{"AttributeNameIsExact", store.UserQuery{Attributes: map[string]string{"DEPT": "eng"}}, nil},
		{"AttributesAll", store.UserQuery{Attributes: map[string]string{"dept": "eng", "level": "senior"}}, []string{"alice"}},
		{"AttributesAllNone", store.UserQuery{Attributes: map[string]string{"dept": "sales", "level": "senior"}}, nil},
		{"AttributeUnknown", store.UserQuery{Attributes: map[string]string{"nope": "eng"}}, nil},

		{"SearchAndEnabled", store.UserQuery{Search: prefix("al"), Enabled: ptr(true)}, []string{"albert", "alice", "dave"}},
		{"SearchAndVerifiedAndAttribute", store.UserQuery{Search: prefix("al"), EmailVerified: ptr(true), Attributes: map[string]string{"dept": "eng"}}, []string{"alice", "bob"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t)
			got, err := s.ListUsers(ctx, realm.ID, tc.q)
			must(t, err)
			checkList(t, "ListUsers", usernames(got), tc.want)
			for _, u := range got {
				if !mine[u.ID] || u.RealmID != realm.ID {
					t.Errorf("ListUsers returned %q (id %s, realm %s) of another realm", u.Username, u.ID, u.RealmID)
				}
			}
			n, err := s.CountUsers(ctx, realm.ID, tc.q)
			must(t, err)
			if n != len(tc.want) {
				t.Errorf("CountUsers = %d, want %d", n, len(tc.want))
			}
		})
	}

	t.Run("Paging", func(t *testing.T) {
		ctx := ctxFor(t)
		pages := []struct {
			page store.Page
			want []string
		}{
			{store.Page{First: 0, Max: 2}, []string{"albert", "alice"}},
			{store.Page{First: 2, Max: 2}, []string{"bob", "carol"}},
			{store.Page{First: 4, Max: 2}, []string{"dave", "erin"}},
			{store.Page{First: 6, Max: 2}, nil},
			{store.Page{First: 5, Max: 10}, []string{"erin"}},
			{store.Page{First: 3}, []string{"carol", "dave", "erin"}},
			{store.Page{First: 0, Max: -1}, everyone},
			{store.Page{First: 100, Max: 0}, nil},
		}
		for _, p := range pages {
			got, err := s.ListUsers(ctx, realm.ID, store.UserQuery{Page: p.page})
			must(t, err)
			checkList(t, "ListUsers page", usernames(got), p.want)
			n, err := s.CountUsers(ctx, realm.ID, store.UserQuery{Page: p.page})
			must(t, err)
			if n != len(everyone) {
				t.Errorf("CountUsers with page %+v = %d, want %d (paging ignored)", p.page, n, len(everyone))
			}
		}
		// Pages of a filtered listing cover it without overlap.
		var all []string
		for first := 0; first < 10; first += 3 {
			got, err := s.ListUsers(ctx, realm.ID, store.UserQuery{Search: prefix("al"), Page: store.Page{First: first, Max: 3}})
			must(t, err)
			all = append(all, usernames(got)...)
		}
		checkList(t, "filtered pages joined", all, []string{"albert", "alice", "bob", "dave"})
	})

	t.Run("LikeWildcardsAreLiteral", func(t *testing.T) {
		ctx := ctxFor(t)
		w := newRealm(t, s)
		for _, name := range []string{"a_b", "axb", "a%c", "abc"} {
			newUser(t, s, w.ID, name, func(u *model.User) { u.FirstName = name })
		}
		tests := []struct {
			q    store.UserQuery
			want []string
		}{
			{store.UserQuery{Username: "a_"}, []string{"a_b"}},
			{store.UserQuery{Username: "%"}, []string{"a%c"}},
			{store.UserQuery{Search: prefix("a_")}, []string{"a_b"}},
			{store.UserQuery{Search: prefix("a%")}, []string{"a%c"}},
			{store.UserQuery{Search: prefix("%")}, nil},
			{store.UserQuery{FirstName: "_"}, []string{"a_b"}},
			{store.UserQuery{Search: prefix(`\`)}, nil},
			{store.UserQuery{Search: tokens(store.MatchInfix, "_")}, []string{"a_b"}},
			{store.UserQuery{Search: tokens(store.MatchInfix, "%")}, []string{"a%c"}},
			{store.UserQuery{Search: tokens(store.MatchPattern, "a*_")}, []string{"a_b"}},
			{store.UserQuery{Search: tokens(store.MatchExact, "a_b")}, []string{"a_b"}},
			{store.UserQuery{Username: `a\`}, nil},
		}
		for _, tc := range tests {
			got, err := s.ListUsers(ctx, w.ID, tc.q)
			if err != nil {
				t.Errorf("ListUsers(%+v): %v", tc.q, err)
				continue
			}
			checkList(t, fmt.Sprintf("ListUsers(%+v)", tc.q), sorted(usernames(got)), tc.want)
		}
	})
}

// prefix is a search of prefix tokens, Keycloak's default.
func prefix(words ...string) []store.SearchToken { return tokens(store.MatchPrefix, words...) }

func tokens(m store.Match, words ...string) []store.SearchToken {
	out := make([]store.SearchToken, len(words))
	for i, w := range words {
		out[i] = store.SearchToken{Text: w, Match: m}
	}
	return out
}
