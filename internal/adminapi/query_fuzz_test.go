package adminapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// fzQueryRealm has something for every listing to find: users with
// unicode names, attributes and groups, a service account, nested groups
// with attributes, realm and client roles, and (made in the setup) user
// and admin events.
const fzQueryRealm = `{"realm":"fzq","enabled":true,"eventsEnabled":true,"adminEventsEnabled":true,
 "adminEventsDetailsEnabled":true,
 "roles":{"realm":[{"name":"r1"},{"name":"Rôle-2"}],"client":{"c1":[{"name":"cr1"}]}},
 "groups":[{"name":"g1","attributes":{"k":["v"]},"subGroups":[{"name":"g1a"},{"name":"ǵ1b"}]},{"name":"g2"}],
 "clients":[{"clientId":"c1","publicClient":true,"directAccessGrantsEnabled":true},
  {"clientId":"svc","secret":"s","serviceAccountsEnabled":true}],
 "users":[{"username":"u1","enabled":true,"email":"u1@example.com","firstName":"Ünï","lastName":"Cödé",
   "attributes":{"dept":["R&D"],"k":["v"]},"realmRoles":["r1"],"groups":["/g1","/g1/g1a"],
   "credentials":[{"type":"password","value":"u1-pw-long"}]},
  {"username":"u2","enabled":false,"email":"u2@example.com","emailVerified":true},
  {"username":"ünicode_用户","enabled":true,"attributes":{"k":["V"]}}]}`

// adminQueryTargets are the admin listings and counts fuzzed by
// FuzzAdminQueryParams, with the JSON a 200 must carry: "array", "number"
// or "count" ({"count": n}). {u1}, {c1} and {g1} are replaced by ids.
var adminQueryTargets = []struct{ path, ok string }{
	{"/admin/realms/fzq/users", "array"},
	{"/admin/realms/fzq/users/count", "number"},
	{"/admin/realms/fzq/clients", "array"},
	{"/admin/realms/fzq/roles", "array"},
	{"/admin/realms/fzq/clients/{c1}/roles", "array"},
	{"/admin/realms/fzq/roles/r1/users", "array"},
	{"/admin/realms/fzq/roles/r1/groups", "array"},
	{"/admin/realms/fzq/groups", "array"},
	{"/admin/realms/fzq/groups/count", "count"},
	{"/admin/realms/fzq/groups/{g1}/children", "array"},
	{"/admin/realms/fzq/groups/{g1}/members", "array"},
	{"/admin/realms/fzq/users/{u1}/groups", "array"},
	{"/admin/realms/fzq/users/{u1}/groups/count", "count"},
	{"/admin/realms/fzq/events", "array"},
	{"/admin/realms/fzq/admin-events", "array"},
	{"/admin/realms/fzq/clients/{c1}/user-sessions", "array"},
	{"/admin/realms/fzq/default-groups", "array"},
	{"/admin/realms", "array"},
}

// FuzzAdminQueryParams: whatever query string reaches an admin listing
// (users and their count, clients, roles, groups, members, events, admin
// events ...), the answer is never a 5xx; a 4xx is a JSON object in one
// of Keycloak's error shapes ({"error"} or {"errorMessage"}); a 200 is a
// JSON array (a number or {"count": n} for the counts); and the realm's
// data is the same afterwards.
//
//	go test ./internal/adminapi -run '^$' -fuzz FuzzAdminQueryParams -fuzztime 60s
func FuzzAdminQueryParams(f *testing.F) {
	s := testenv.NewServer(f)
	s.ImportRealm(fzQueryRealm)
	ctx := context.Background()
	realmID := s.Realm("fzq").ID
	u1, err := s.Store.GetUserByUsername(ctx, realmID, "u1")
	if err != nil {
		f.Fatal(err)
	}
	c1, err := s.Store.GetClientByClientID(ctx, realmID, "c1")
	if err != nil {
		f.Fatal(err)
	}
	g1, err := s.Store.GetGroupByPath(ctx, realmID, "/g1")
	if err != nil {
		f.Fatal(err)
	}
	ids := strings.NewReplacer("{u1}", u1.ID, "{c1}", c1.ID, "{g1}", g1.ID)
	// A login (a user event and a session of c1) and an admin change (an
	// admin event), so that the events listings have something to filter.
	token(f, s, "fzq", "c1", "u1", "u1-pw-long")
	tokens := &adminTokens{s: s}
	mk, err := http.NewRequest(http.MethodPost, s.URL+"/admin/realms/fzq/groups", strings.NewReader(`{"name":"made"}`))
	if err != nil {
		f.Fatal(err)
	}
	mk.Header.Set("Content-Type", "application/json")
	mk.Header.Set("Authorization", "Bearer "+tokens.get(f))
	if resp, err := http.DefaultClient.Do(mk); err != nil || resp.StatusCode != http.StatusCreated {
		f.Fatalf("create a group: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	before := realmFingerprint(f, s, realmID)

	for i, q := range []string{
		"search=u1", "search=*ni*", "search=%22u1%22", "search=id:" + u1.ID + "%20nope", "search=&search=u2",
		"username=U1&exact=true", "email=example&exact=false", "firstName=%C3%9Cn%C3%AF&lastName=",
		"q=k:v%20dept:R%26D", "q=%22k%22:%22V%22", "q=:::", "q=k:", "enabled=true&emailVerified=FALSE",
		"idpAlias=google&idpUserId=1", "briefRepresentation=true&first=1&max=1",
		"first=-1&max=-1", "first=99999999999999999999", "max=1e3", "max=NaN", "first=%2B1", "max=0x10",
		"max=-9223372036854775808", "first=9223372036854775807&max=9223372036854775807", "max=0",
		"clientId=c1&search=true", "clientId=%25&search=true", "search=_", "search=%5C",
		"search=g1&exact=true&briefRepresentation=false", "populateHierarchy=false&subGroupsCount=false",
		"top=true", "type=LOGIN&type=LOGIN_ERROR", "type=login", "type=", "operationTypes=CREATE&resourceTypes=GROUP",
		"operationTypes=NOPE", "dateFrom=2024-01-01&dateTo=2999-12-31", "dateFrom=2024-13-45", "dateTo=0-0-0",
		"dateFrom=99999-1-1", "dateFrom=", "client=c1&user=" + u1.ID + "&ipAddress=127.0.0.1",
		"authRealm=x&authClient=y&authUser=z&authIpAddress=::1&resourcePath=groups/*",
		"first&max&search&q&exact", "%zz=1&max=%zz", "max=1&max=2&first=3&first=-4", "a=%00", "=&&=&",
		strings.Repeat("search=x&", 300), "search=" + strings.Repeat("%E2%80%AE", 500), "",
	} {
		f.Add(uint8(i), q)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		target := adminQueryTargets[int(which)%len(adminQueryTargets)]
		u := s.URL + ids.Replace(target.path) + "?" + wireQuery(query)
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		req.Header.Set("Authorization", "Bearer "+tokens.get(t))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 500:
			t.Fatalf("GET %s?%q: %d %s", target.path, query, resp.StatusCode, raw)
		case resp.StatusCode >= 400:
			var m map[string]any
			e := ""
			if json.Unmarshal(raw, &m) == nil {
				e, _ = m["error"].(string)
				if e == "" {
					e, _ = m["errorMessage"].(string)
				}
			}
			if e == "" {
				t.Fatalf("GET %s?%q: %d without a Keycloak error body: %q", target.path, query, resp.StatusCode, raw)
			}
		case resp.StatusCode == http.StatusOK:
			if !shaped(raw, target.ok) {
				t.Fatalf("GET %s?%q: 200 with a body that is not a JSON %s: %.300q", target.path, query, target.ok, raw)
			}
		default:
			t.Fatalf("GET %s?%q: status %d %s", target.path, query, resp.StatusCode, raw)
		}
		if after := realmFingerprint(t, s, realmID); after != before {
			t.Fatalf("GET %s?%q changed the realm's data: %s, then %s", target.path, query, before, after)
		}
	})
}

// shaped reports whether raw is one JSON value of the kind named.
func shaped(raw []byte, kind string) bool {
	switch kind {
	case "array":
		var a []json.RawMessage
		return json.Unmarshal(raw, &a) == nil && a != nil
	case "number":
		var n int
		return json.Unmarshal(raw, &n) == nil && n >= 0
	case "count":
		var c map[string]*int
		return json.Unmarshal(raw, &c) == nil && len(c) == 1 && c["count"] != nil && *c["count"] >= 0
	}
	return false
}

// wireQuery percent-encodes the bytes a request line cannot carry
// (controls, space, '#', non-ASCII), so that the fuzzed query reaches
// the handler rather than net/http's request-line parser; '%', '&', '='
// and '+' stay as they are, so malformed escapes and repeated or empty
// parameters get through.
func wireQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// realmFingerprint digests what a listing must not change: every user
// (with attributes and flags), and how many clients, roles, groups,
// events and admin events the realm has.
func realmFingerprint(t testing.TB, s *testenv.Server, realmID string) string {
	t.Helper()
	ctx := context.Background()
	users, err := s.Store.ListUsers(ctx, realmID, store.UserQuery{IncludeServiceAccounts: true})
	if err != nil {
		t.Fatal(err)
	}
	clients, err := s.Store.ListClients(ctx, realmID, store.ClientQuery{})
	if err != nil {
		t.Fatal(err)
	}
	roles, err := s.Store.ListRoles(ctx, realmID, "", store.RoleQuery{})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := s.Store.CountGroups(ctx, realmID, store.GroupQuery{AnyLevel: true})
	if err != nil {
		t.Fatal(err)
	}
	events, err := s.Store.ListEvents(ctx, realmID, store.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	adminEvents, err := s.Store.ListAdminEvents(ctx, realmID, store.AdminEventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(users)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d users %x, %d clients, %d realm roles, %d groups, %d events, %d admin events",
		len(users), sha256.Sum256(raw), len(clients), len(roles), groups, len(events), len(adminEvents))
}

// adminTokens hands out the master admin's token, fetched again every
// 30 s (it lives 60 s).
type adminTokens struct {
	s       *testenv.Server
	mu      sync.Mutex
	tok     string
	fetched time.Time
}

func (a *adminTokens) get(t testing.TB) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if time.Since(a.fetched) > 30*time.Second {
		a.tok = token(t, a.s, "master", "admin-cli", testenv.AdminUser, testenv.AdminPassword)
		a.fetched = time.Now()
	}
	return a.tok
}
