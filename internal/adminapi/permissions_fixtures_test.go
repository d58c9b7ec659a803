package adminapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// Callers and fixtures of the permission matrix (permissions_test.go).

// callerKind is one kind of admin caller: a service account of the realm
// holding one realm-management role (the token carries the role with its
// composites, as Keycloak's does), the realm's realm-admin, master's admin,
// no token, or an admin of another realm.
type callerKind struct {
	name string
	// role is the realm-management role the caller's service account holds.
	role string
	// roles is what the caller holds on the realm once composites are
	// expanded (AdminRoles, RealmManager.setupRealmAdminRoles).
	roles map[string]bool
}

// Keycloak's admin roles, and the composites among them.
var (
	kcAdminRoles = []string{"create-client", "view-realm", "manage-realm", "view-users", "manage-users",
		"view-clients", "manage-clients", "view-events", "manage-events", "view-identity-providers",
		"manage-identity-providers", "view-authorization", "manage-authorization", "query-users",
		"query-clients", "query-realms", "query-groups", "impersonation"}
	adminComposites = map[string][]string{"view-users": {"query-users", "query-groups"}, "view-clients": {"query-clients"}}
)

func expand(role string) map[string]bool {
	out := map[string]bool{}
	switch role {
	case "":
	case "realm-admin", "master-admin":
		for _, r := range kcAdminRoles {
			out[r] = true
		}
		out["create-users"] = true // latchkey's extension, part of realm-admin
	default:
		out[role] = true
		for _, r := range adminComposites[role] {
			out[r] = true
		}
	}
	return out
}

var matrixRoles = []string{"query-users", "view-users", "manage-users", "create-users", "view-clients",
	"manage-clients", "query-clients", "view-realm", "manage-realm", "view-events", "manage-events", "realm-admin"}

func callerKinds() []callerKind {
	out := []callerKind{{name: "no-token"}, {name: "other-realm"}}
	for _, r := range matrixRoles {
		out = append(out, callerKind{name: r, role: r, roles: expand(r)})
	}
	return append(out, callerKind{name: "master-admin", roles: expand("master-admin")})
}

// saClient names the confidential client whose service account is the
// caller of that kind in realm.
func saClient(kind string) string { return "sa-" + kind }

const saSecret = "matrix-secret"

// fixtures are the resources one caller kind works on in the realm
// "perm", so that what one caller creates, changes or deletes never
// affects another's rows.
type fixtures struct {
	realm        string
	user         string // u-{kind}, with an email and a password credential
	cred         string // its password credential
	delUser      string // del-{kind}, for DELETE
	client       string // c-{kind}: confidential, service account, client roles cr and crdel-*
	delClient    string // d-{kind}, for DELETE
	realmRole    string // r-{kind}, mapped and unmapped
	realmRoleID  string
	roleID       string // id of comp-{kind}
	roleName     string // comp-{kind}, a role whose composites change
	delRole      string // rdel-{kind}, for DELETE by name
	delRoleID    string // id of rbid-{kind}, for DELETE by id
	clientRole   string // id of cr on c-{kind}
	manageUsers  string // id of realm-management's manage-users
	group        string // id of the group g-{kind}, made through the API
	delGroup     string // id of gdel-{kind}, for DELETE
	unique       string // a fresh name for POSTs
	token        string // the caller's access token
	doomed       string // a realm the caller may delete ("perm" if it may not)
	doomedToken  string // the caller's token there, if it is not "perm"
	suser, scred string // s-{kind}, with a password, and its credential
	// newSession logs s-{kind} in and returns the new session's id.
	newSession func() string
}

// realmJSON is a realm holding a service account for each kind with a
// role and, withFixtures, every kind's fixtures.
func realmJSON(name string, kinds []callerKind, withFixtures bool) string {
	var clients, users, realmRoles []map[string]any
	clientRoles := map[string]any{}
	for _, k := range kinds {
		if k.role != "" {
			clients = append(clients, map[string]any{"clientId": saClient(k.name), "publicClient": false,
				"secret": saSecret, "serviceAccountsEnabled": true, "standardFlowEnabled": false})
			users = append(users, map[string]any{"username": "service-account-" + saClient(k.name),
				"serviceAccountClientId": saClient(k.name), "enabled": true,
				"clientRoles": map[string][]string{"realm-management": {k.role}}})
		}
		if !withFixtures {
			continue
		}
		n := k.name
		clients = append(clients,
			map[string]any{"clientId": "c-" + n, "publicClient": false, "serviceAccountsEnabled": true},
			map[string]any{"clientId": "d-" + n, "publicClient": false})
		clientRoles["c-"+n] = []map[string]any{{"name": "cr"}, {"name": "crdel"}, {"name": "crcomp"}}
		users = append(users,
			map[string]any{"username": "u-" + n, "email": "u-" + n + "@example.com", "enabled": true,
				"credentials": []map[string]any{{"type": "password", "value": "S3cret!pass"}}},
			map[string]any{"username": "del-" + n, "enabled": true},
			map[string]any{"username": "s-" + n, "enabled": true,
				"credentials": []map[string]any{{"type": "password", "value": "S3cret!pass"}}},
			map[string]any{"username": "service-account-c-" + n, "serviceAccountClientId": "c-" + n, "enabled": true})
		for _, r := range []string{"r-", "comp-", "rdel-", "rbid-"} {
			realmRoles = append(realmRoles, map[string]any{"name": r + n})
		}
	}
	b, _ := json.Marshal(map[string]any{"realm": name, "enabled": true, "clients": clients, "users": users,
		"roles": map[string]any{"realm": realmRoles, "client": clientRoles}})
	return string(b)
}

// loadFixtures finds the ids of one caller kind's fixtures.
func loadFixtures(t *testing.T, s *testenv.Server, master string, kind string) *fixtures {
	t.Helper()
	base := "/admin/realms/perm"
	one := func(path string) string {
		t.Helper()
		var list []struct{ ID string }
		r := call(t, s, "GET", base+path, master, nil)
		r.json(t, &list)
		if r.status != 200 || len(list) != 1 {
			t.Fatalf("fixture %s: %d %s", path, r.status, r.body)
		}
		return list[0].ID
	}
	role := func(path string) string {
		t.Helper()
		var rep struct{ ID string }
		r := call(t, s, "GET", base+path, master, nil)
		r.json(t, &rep)
		if r.status != 200 {
			t.Fatalf("fixture %s: %d %s", path, r.status, r.body)
		}
		return rep.ID
	}
	f := &fixtures{realm: "perm", realmRole: "r-" + kind, roleName: "comp-" + kind, delRole: "rdel-" + kind,
		unique: "new-" + kind}
	f.user = one("/users?exact=true&username=u-" + url.QueryEscape(kind))
	f.delUser = one("/users?exact=true&username=del-" + url.QueryEscape(kind))
	f.client = one("/clients?clientId=c-" + url.QueryEscape(kind))
	f.delClient = one("/clients?clientId=d-" + url.QueryEscape(kind))
	f.cred = one("/users/" + f.user + "/credentials")
	f.roleID = role("/roles/comp-" + kind)
	f.realmRoleID = role("/roles/r-" + kind)
	f.delRoleID = role("/roles/rbid-" + kind)
	f.clientRole = role("/clients/" + f.client + "/roles/cr")
	f.manageUsers = role("/clients/" + one("/clients?clientId=realm-management") + "/roles/manage-users")
	f.group, f.delGroup = newGroupID(t, s, master, "g-"+kind), newGroupID(t, s, master, "gdel-"+kind)
	f.suser = one("/users?exact=true&username=s-" + url.QueryEscape(kind))
	f.scred = one("/users/" + f.suser + "/credentials")
	f.newSession = func() string { return loginSession(t, s, "perm", "s-"+kind, "S3cret!pass") }
	return f
}

// matrix is a server with the realm "perm" (every caller's service account
// and fixtures), a realm "other" with its own admin, and a realm for each
// caller that may delete one.
type matrix struct {
	t        *testing.T
	s        *testenv.Server
	kinds    []callerKind
	fixtures map[string]*fixtures
}

func newMatrix(t *testing.T, s *testenv.Server) *matrix {
	t.Helper()
	m := &matrix{t: t, s: s, kinds: callerKinds(), fixtures: map[string]*fixtures{}}
	s.ImportRealm(realmJSON("perm", m.kinds, true))
	s.ImportRealm(realmJSON("other", []callerKind{{name: "realm-admin", role: "realm-admin"}}, false))
	master := masterToken(t, s)
	for _, k := range m.kinds {
		f := loadFixtures(t, s, master, k.name)
		f.doomed = "perm"
		switch {
		case k.name == "master-admin":
			f.token = master
			f.doomed = "doomed-" + k.name
			s.ImportRealm(realmJSON(f.doomed, nil, false))
		case k.name == "other-realm":
			f.token = serviceToken(t, s, "other", saClient("realm-admin"), saSecret)
		case k.role != "":
			f.token = serviceToken(t, s, "perm", saClient(k.name), saSecret)
			if k.roles["manage-realm"] {
				f.doomed = "doomed-" + k.name
				s.ImportRealm(realmJSON(f.doomed, []callerKind{k}, false))
				// The same service account in its own realm.
				f.doomedToken = serviceToken(t, s, f.doomed, saClient(k.name), saSecret)
			}
		}
		m.fixtures[k.name] = f
	}
	return m
}

// do sends one request; a preflight carries an Origin.
func (m *matrix) do(method, path, tok string, body any) response {
	m.t.Helper()
	if method != "OPTIONS" {
		return call(m.t, m.s, method, path, tok, body)
	}
	req, err := http.NewRequest(method, m.s.URL+path, nil)
	if err != nil {
		m.t.Fatal(err)
	}
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}
