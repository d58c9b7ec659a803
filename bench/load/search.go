//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// searchKinds are the admin-search query kinds, in report order.
var searchKinds = []string{"prefix", "exact", "count", "infix-username", "infix-email"}

// searchKindDoc says what each kind sends, for the report.
var searchKindDoc = map[string]string{
	"prefix":         "`GET /users?max=20&search=maria.schmidt` (prefix of username, e-mail, first or last name; about 1 in 4,096 users match)",
	"exact":          "`GET /users?username=maria.schmidt4711&exact=true` (one user)",
	"count":          "`GET /users/count` (the whole realm)",
	"infix-username": "`GET /users?max=20&username=ria.schmidt471` (Keycloak matches `%value%`; one to a few users)",
	"infix-email":    "`GET /users?max=20&email=a.schmidt4711@exa` (`%value%` on the e-mail address; one to a few users)",
}

// searchPath is the admin request of kind for request number i on a realm
// seeded with users 0..seeded-1. Terms come from a user picked by hashing
// i, so requests spread over the realm.
func searchPath(kind string, i, seeded int) (string, error) {
	if seeded <= 0 {
		return "", fmt.Errorf("admin-search needs -seeded > 0 (the users seeded into the realm)")
	}
	if kind == "all" {
		kind = searchKinds[i%len(searchKinds)]
	}
	p := seedPersonAt(int(mix(uint64(i)+1<<40) % uint64(seeded)))
	q := url.QueryEscape
	switch kind {
	case "prefix":
		return "/users?max=20&search=" + q(p.First+"."+p.Last), nil
	case "exact":
		return "/users?exact=true&username=" + q(p.Username), nil
	case "count":
		return "/users/count", nil
	case "infix-username":
		return "/users?max=20&username=" + q(p.Username[2:len(p.Username)-1]), nil
	case "infix-email":
		at := strings.IndexByte(p.Email, '@')
		return "/users?max=20&email=" + q(p.Email[2:at+4]), nil
	}
	return "", fmt.Errorf("unknown admin-search kind %q (one of %s, or all: each in turn)", kind, strings.Join(searchKinds, ", "))
}

// adminSearch sends one kind of admin user query with the service
// account of c.adminClient (which needs view-users or query-users). An
// answer listing no user, or counting fewer than the seeded users, is an
// error: every term comes from a seeded user.
func adminSearch(c config, h *httpc, oidc string) (func(int) (requestFn, error), error) {
	if _, err := searchPath(c.searchKind, 0, c.seeded); err != nil {
		return nil, err
	}
	tok, err := h.clientToken(oidc, c.adminClient, c.adminSecret)
	if err != nil {
		return nil, fmt.Errorf("admin-search: service-account token: %w", err)
	}
	base := c.base + "/admin/realms/" + c.realm
	return func(int) (requestFn, error) {
		return func(i int) (int, error) {
			path, _ := searchPath(c.searchKind, i, c.seeded)
			if strings.HasPrefix(path, "/users/count") {
				var n int
				st, err := h.getJSON(base+path, tok, &n)
				if err == nil && st == http.StatusOK && n < c.seeded {
					return st, errEmpty
				}
				return st, err
			}
			var users []json.RawMessage
			st, err := h.getJSON(base+path, tok, &users)
			if err == nil && st == http.StatusOK && len(users) == 0 {
				return st, errEmpty
			}
			return st, err
		}, nil
	}, nil
}

func (h *httpc) getJSON(u, bearer string, into any) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	return h.send(req, into)
}
