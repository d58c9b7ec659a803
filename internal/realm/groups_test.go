package realm_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/role"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/internal/user"
)

const groupsJSON = `{
  "realm": "org", "enabled": true,
  "roles": {"realm": [{"name": "staff-role"}], "client": {"api": [{"name": "read"}]}},
  "clients": [{"clientId": "api", "publicClient": false, "secret": "s"}],
  "groups": [
    {"id": "7a1b2c3d-0000-4000-8000-000000000001", "name": "staff", "path": "/staff",
     "attributes": {"floor": ["3", "4"]}, "realmRoles": ["staff-role"], "clientRoles": {"api": ["read"]},
     "subGroups": [{"name": "auditors", "path": "/staff/auditors", "realmRoles": ["auditor"]}]},
    {"name": "guests"}
  ],
  "defaultGroups": ["/guests"],
  "users": [
    {"username": "alice", "enabled": true, "groups": ["/staff/auditors", "guests"]},
    {"username": "bob", "enabled": true}
  ]
}`

func groupPaths(t *testing.T, st store.Store, realmID, userID string) []string {
	t.Helper()
	gs, err := st.ListUserGroups(context.Background(), realmID, userID, store.GroupQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range gs {
		out = append(out, g.Path)
	}
	slices.Sort(out)
	return out
}

func userID(t *testing.T, st store.Store, realmID, name string) string {
	t.Helper()
	u, err := st.GetUserByUsername(context.Background(), realmID, name)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return u.ID
}

func TestImportGroups(t *testing.T) { testenv.EachStore(t, testImportGroups) }

func testImportGroups(t *testing.T, st store.Store) {
	ctx := context.Background()
	svc, st := newService(t, st)
	r, err := svc.Import(ctx, decode(t, groupsJSON))
	if err != nil {
		t.Fatal(err)
	}
	staff, err := st.GetGroupByPath(ctx, r.ID, "/staff")
	if err != nil {
		t.Fatal(err)
	}
	if staff.ID != "7a1b2c3d-0000-4000-8000-000000000001" || !slices.Equal(staff.Attributes["floor"], []string{"3", "4"}) {
		t.Errorf("staff = %+v, want the file's id and attributes", staff)
	}
	auditors, err := st.GetGroupByPath(ctx, r.ID, "/staff/auditors")
	if err != nil || auditors.ParentID != staff.ID {
		t.Fatalf("auditors = %+v, %v", auditors, err)
	}
	if gr, _ := st.ListGroupRoles(ctx, r.ID, staff.ID); !slices.Equal(roleNames(gr), []string{"read", "staff-role"}) {
		t.Errorf("staff's roles %q", roleNames(gr))
	}
	// The file maps auditors to a role it does not define: created, as
	// Keycloak's importGroup does.
	if _, err := st.GetRoleByName(ctx, r.ID, "", "auditor"); err != nil {
		t.Errorf("auditor role: %v", err)
	}
	defs, _ := st.ListDefaultGroups(ctx, r.ID)
	if len(defs) != 1 || defs[0].Path != "/guests" {
		t.Errorf("default groups %+v", defs)
	}
	alice := userID(t, st, r.ID, "alice")
	if got := groupPaths(t, st, r.ID, alice); !slices.Equal(got, []string{"/guests", "/staff/auditors"}) {
		t.Errorf("alice's groups %q", got)
	}
	// An import does not make users join default groups (Keycloak adds
	// imported users without them).
	if got := groupPaths(t, st, r.ID, userID(t, st, r.ID, "bob")); len(got) != 0 {
		t.Errorf("bob's groups %q, want none", got)
	}
	eff, err := role.Effective(ctx, st, r.ID, alice)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"auditor", "staff-role", "read"} {
		if !slices.Contains(roleNames(eff), want) {
			t.Errorf("alice's effective roles %q lack %s (through groups)", roleNames(eff), want)
		}
	}

	// Users imported in batches: the same rules.
	err = svc.ImportUsers(ctx, r, []realm.ImportUser{
		{Rep: &kcrep.UserRepresentation{Username: "carol"}, Where: "f: users[0]"},
		{Rep: &kcrep.UserRepresentation{Username: "dave", Groups: []string{"/guests"}}, Where: "f: users[1]"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := groupPaths(t, st, r.ID, userID(t, st, r.ID, "carol")); len(got) != 0 {
		t.Errorf("carol's groups %q, want none", got)
	}
	if got := groupPaths(t, st, r.ID, userID(t, st, r.ID, "dave")); !slices.Equal(got, []string{"/guests"}) {
		t.Errorf("dave's groups %q", got)
	}
	err = svc.ImportUsers(ctx, r, []realm.ImportUser{
		{Rep: &kcrep.UserRepresentation{Username: "erin", Groups: []string{"/nope"}}, Where: "f: users[0]"}})
	if !errors.Is(err, realm.ErrInvalid) || !strings.Contains(err.Error(), "Unable to find group specified by path: /nope") {
		t.Errorf("unknown group path: %v", err)
	}
	if _, err := st.GetUserByUsername(ctx, r.ID, "erin"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("erin was written: %v", err)
	}

	// Outside imports, a new user still joins the default groups.
	err = st.InTx(ctx, func(tx store.Store) error {
		return user.Insert(ctx, tx, r, &model.User{Username: "frank", Enabled: true}, nil, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := groupPaths(t, st, r.ID, userID(t, st, r.ID, "frank")); !slices.Equal(got, []string{"/guests"}) {
		t.Errorf("frank's groups %q, want the default group", got)
	}
}

func TestImportGroupsRefusals(t *testing.T) { testenv.EachStore(t, testImportGroupsRefusals) }

func testImportGroupsRefusals(t *testing.T, st store.Store) {
	ctx := context.Background()
	svc, st := newService(t, st)
	for _, tt := range []struct{ json, want string }{
		{`{"realm":"a","groups":[{"name":"g"}],"defaultGroups":["/h"]}`, "default group /h does not exist"},
		{`{"realm":"b","groups":[{"name":"g"}],"users":[{"username":"u","groups":["/g/x"]}]}`,
			"Unable to find group specified by path: /g/x"},
		{`{"realm":"c","groups":[{"name":"g","clientRoles":{"nope":["r"]}}]}`, `unknown client "nope"`},
		{`{"realm":"d","groups":[{"name":"g"},{"name":"g"}]}`, "group /g exists already"},
		{`{"realm":"e","groups":[{"name":""}]}`, "a group needs a name"},
	} {
		_, err := svc.Import(ctx, decode(t, tt.json))
		if !errors.Is(err, realm.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want ErrInvalid with %q", tt.json, err, tt.want)
		}
		if _, err := st.GetRealmByName(ctx, decode(t, tt.json).Realm); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: the realm was created", tt.json)
		}
	}
}
