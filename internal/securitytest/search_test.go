package securitytest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// metas are SQL metacharacters, LIKE wildcards and unicode. "*" is left
// out: it is Keycloak's own wildcard in user search.
var metas = []string{"'", `"`, ";", "--", "%", "_", `\`, "' OR '1'='1", `%' --`, `\%`, "a%c", "a_c",
	"'; DROP TABLE users; --", "ü", "名前", "\u202e", "%00"}

// Known findings, checked only for "never 500" (see docs/RELIABILITY.md):
// a NUL byte in a search parameter matches everything on SQLite, and
// q=key:" (a lone double quote) matches every user.
// nulSearches put a NUL in a search parameter: refused with 400 (SQLite
// would end the string at it and match everything).
var nulSearches = []string{"/admin/realms/shop/users?search=%00", "/admin/realms/shop/users?username=%00",
	"/admin/realms/shop/clients?search=true&clientId=%00",
	"/admin/realms/shop/roles?search=%00", "/admin/realms/shop/groups?search=%00"}

// loneQuote is a q= that names no key:value pair: Keycloak's
// SearchQueryUtils ignores it, so the listing is unfiltered (nothing the
// caller could not list anyway); latchkey does the same.
const loneQuote = "/admin/realms/shop/users?q=nick%3A%22"

// The only user whose fields hold the metacharacters: a search for one
// of them finds her and nobody else; a LIKE wildcard let through would
// find everyone.
const (
	oddFirst = "Mal_lory"
	oddLast  = "O'Brien-ü名前"
)

func TestSearchParametersTakeMetacharactersLiterally(t *testing.T) {
	s := startServer(t)
	tok := s.adminToken()
	want(t, "realm", s.call("POST", "/admin/realms", tok, map[string]any{"realm": "shop", "enabled": true,
		"eventsEnabled": true, "adminEventsEnabled": true}), 201)
	for i, n := range []string{"alice", "abc", "bob", "carol"} {
		createdID(t, n, s.call("POST", "/admin/realms/shop/users", tok, map[string]any{
			"username": n, "email": n + "@example.com", "firstName": "First" + n, "lastName": fmt.Sprint("Last", i),
			"enabled": true}))
	}
	oddID := createdID(t, "odd user", s.call("POST", "/admin/realms/shop/users", tok, map[string]any{
		"username": "mallory", "email": "mallory@example.com", "firstName": oddFirst, "lastName": oddLast,
		"enabled": true}))
	for _, c := range []string{"app-1", "app_2"} {
		want(t, "client", s.call("POST", "/admin/realms/shop/clients", tok, map[string]any{"clientId": c,
			"publicClient": true}), 201)
	}
	for _, g := range []string{"group-one", "group_two"} {
		want(t, "group", s.call("POST", "/admin/realms/shop/groups", tok, map[string]any{"name": g}), 201)
	}
	want(t, "role", s.call("POST", "/admin/realms/shop/roles", tok, map[string]any{"name": "role_x"}), 201)

	get := func(path string) (response, []map[string]any) {
		t.Helper()
		r := s.call("GET", path, tok, nil)
		if r.Status >= 500 || r.Status != http.StatusOK && r.Status != http.StatusBadRequest {
			t.Errorf("GET %s: %d %.300s", path, r.Status, r.Body)
			return r, nil
		}
		var list []map[string]any
		if r.Status == http.StatusOK && strings.HasPrefix(r.Body, "[") {
			r.json(t, &list)
		}
		return r, list
	}
	userFields := map[string]string{"search": "", "username": "username", "email": "email",
		"firstName": "firstName", "lastName": "lastName"}
	for _, m := range metas {
		for param, field := range userFields {
			values := []string{m}
			if param == "search" {
				// Keycloak's search is by prefix; *m* is its infix search.
				values = append(values, "*"+m+"*")
			}
			for _, v := range values {
				path := "/admin/realms/shop/users?" + param + "=" + url.QueryEscape(v)
				r, list := get(path)
				if r.Status != http.StatusOK {
					if m != "\x00" {
						t.Errorf("GET %s: %d, want 200", path, r.Status)
					}
					continue
				}
				for _, u := range list {
					if !userHolds(u, field, m) {
						t.Errorf("GET %s found %v, which does not hold %q: a wildcard got through", path, u["username"], m)
					}
				}
				inOdd := field == "" && v != m && strings.Contains(oddFirst+" "+oddLast, m) ||
					field == "firstName" && strings.Contains(oddFirst, m) || field == "lastName" && strings.Contains(oddLast, m)
				if inOdd && (len(list) != 1 || list[0]["id"] != oddID) {
					t.Errorf("GET %s found %d users, want mallory alone", path, len(list))
				}
			}
		}
		for _, path := range []string{
			"/admin/realms/shop/users?q=" + url.QueryEscape("nick:"+strings.ReplaceAll(m, `"`, "'")),
			"/admin/realms/shop/users/count?search=" + url.QueryEscape(m),
			"/admin/realms/shop/clients?clientId=" + url.QueryEscape(m),
			"/admin/realms/shop/clients?search=true&clientId=" + url.QueryEscape(m),
			"/admin/realms/shop/roles?search=" + url.QueryEscape(m),
			"/admin/realms/shop/groups?search=" + url.QueryEscape(m),
			"/admin/realms/shop/groups/count?search=" + url.QueryEscape(m),
			"/admin/realms/shop/events?user=" + url.QueryEscape(m),
			"/admin/realms/shop/events?client=" + url.QueryEscape(m),
			"/admin/realms/shop/events?ipAddress=" + url.QueryEscape(m),
			"/admin/realms/shop/admin-events?resourcePath=" + url.QueryEscape(m),
			"/admin/realms/shop/admin-events?authUser=" + url.QueryEscape(m),
			"/admin/realms/shop/admin-events?authClient=" + url.QueryEscape(m),
			"/admin/realms/shop/admin-events?authIpAddress=" + url.QueryEscape(m),
			"/admin/realms/shop/admin-events?authRealm=" + url.QueryEscape(m),
		} {
			r, list := get(path)
			if r.Status != http.StatusOK {
				continue
			}
			switch {
			case strings.Contains(path, "users/count") || strings.Contains(path, "groups/count"):
				if strings.Contains(r.Body, "5") || strings.Contains(r.Body, "2") {
					t.Errorf("GET %s = %s: a wildcard counted everything", path, r.Body)
				}
			case strings.Contains(path, "/events?") || strings.Contains(path, "admin-events?"):
				if len(list) != 0 {
					t.Errorf("GET %s found %d events, want none", path, len(list))
				}
			case strings.Contains(path, "q=nick"):
				if len(list) != 0 {
					t.Errorf("GET %s found %d users", path, len(list))
				}
			default:
				for _, e := range list {
					name, _ := e["clientId"].(string)
					if name == "" {
						name, _ = e["name"].(string)
					}
					if !strings.Contains(strings.ToLower(name), strings.ToLower(m)) {
						t.Errorf("GET %s found %q, which does not hold %q", path, name, m)
					}
				}
			}
		}
	}
	for _, path := range nulSearches {
		if r, _ := get(path); r.Status != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", path, r.Status)
		}
	}
	if r, list := get(loneQuote); r.Status != http.StatusOK || len(list) != 5 {
		t.Errorf("GET %s: %d with %d users, want Keycloak's unfiltered listing", loneQuote, r.Status, len(list))
	}
	// An exact search finds the odd user by her exact name.
	_, list := get("/admin/realms/shop/users?exact=true&lastName=" + url.QueryEscape(oddLast))
	if len(list) != 1 || list[0]["id"] != oddID {
		t.Errorf("exact lastName search found %d users, want mallory", len(list))
	}
	// The database still holds every user.
	if _, list := get("/admin/realms/shop/users"); len(list) != 5 {
		t.Errorf("%d users after the searches, want 5", len(list))
	}
}

// userHolds reports whether user u holds m in field ("" for any of
// username, email, firstName, lastName), case-insensitively.
func userHolds(u map[string]any, field, m string) bool {
	fields := []string{"username", "email", "firstName", "lastName"}
	if field != "" {
		fields = []string{field}
	}
	for _, f := range fields {
		v, _ := u[f].(string)
		if strings.Contains(strings.ToLower(v), strings.ToLower(m)) {
			return true
		}
	}
	return false
}
