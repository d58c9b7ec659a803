package realm_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/role"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

const partialBaseJSON = `{
  "realm": "pi", "enabled": true, "passwordPolicy": "length(8)",
  "roles": {"realm": [{"name": "customer", "description": "old"}, {"name": "vip", "composite": true,
     "composites": {"realm": ["customer"]}}], "client": {"shop-api": [{"name": "read"}]}},
  "clients": [{"clientId": "shop-api", "publicClient": false, "secret": "old-secret", "description": "old"}],
  "groups": [{"name": "staff", "attributes": {"a": ["1"]}}],
  "users": [{"username": "alice", "email": "alice@shop.test", "enabled": true, "realmRoles": ["customer"],
     "groups": ["/staff"]}]
}`

func partialRep(t *testing.T, s string) *kcrep.PartialImportRepresentation {
	t.Helper()
	var rep kcrep.PartialImportRepresentation
	if err := json.Unmarshal([]byte(s), &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

// results lists "ACTION TYPE name" sorted, and checks the counts.
func results(t *testing.T, res kcrep.PartialImportResults) []string {
	t.Helper()
	var out []string
	n := map[string]int{}
	for _, r := range res.Results {
		out = append(out, r.Action+" "+r.ResourceType+" "+r.ResourceName)
		n[r.Action]++
		if r.ID == "" && r.ResourceType != kcrep.ResourceIDP {
			t.Errorf("%+v has no id", r)
		}
	}
	if res.Added != n["ADDED"] || res.Skipped != n["SKIPPED"] || res.Overwritten != n["OVERWRITTEN"] {
		t.Errorf("counts %d/%d/%d do not match the results %v", res.Added, res.Skipped, res.Overwritten, n)
	}
	slices.Sort(out)
	return out
}

func TestPartialImport(t *testing.T) { testenv.EachStore(t, testPartialImport) }

func testPartialImport(t *testing.T, st store.Store) {
	ctx := context.Background()
	svc, st := newService(t, st)
	r, err := svc.Import(ctx, decode(t, partialBaseJSON))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := st.GetClientByClientID(ctx, r.ID, "shop-api")
	customer, _ := st.GetRoleByName(ctx, r.ID, "", "customer")
	aliceBefore, _ := st.GetUserByUsername(ctx, r.ID, "alice")

	// FAIL (the default): an existing resource refuses everything, with
	// Keycloak's message.
	for _, tt := range []struct{ body, msg string }{
		{`{"clients":[{"clientId":"new-app"}],"roles":{"realm":[{"name":"customer"}]}}`, "Realm role 'customer' already exists."},
		{`{"ifResourceExists":"FAIL","clients":[{"clientId":"shop-api"}]}`, "Client id 'shop-api' already exists"},
		{`{"roles":{"client":{"shop-api":[{"name":"read"}]}}}`, "Client role 'read' for client 'shop-api' already exists."},
		{`{"groups":[{"name":"staff","path":"/staff"}]}`, "Group '/staff' already exists"},
		{`{"users":[{"username":"ALICE"}]}`, "User with user name ALICE already exists."},
		{`{"users":[{"username":"other","email":"alice@shop.test"}]}`, "User with user name other already exists."},
	} {
		_, err := svc.PartialImport(ctx, r, partialRep(t, tt.body))
		if !errors.Is(err, realm.ErrResourceExists) || err.Error() != tt.msg {
			t.Errorf("%s: %v, want ErrResourceExists %q", tt.body, err, tt.msg)
		}
	}
	if _, err := st.GetClientByClientID(ctx, r.ID, "new-app"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused import wrote new-app: %v", err)
	}
	_, err = svc.PartialImport(ctx, r, partialRep(t, `{"roles":{"client":{"ghost":[{"name":"x"}]}}}`))
	if !errors.Is(err, realm.ErrNoSuchClient) || err.Error() != "Can not import client roles for nonexistent client named ghost" {
		t.Errorf("client roles of no client: %v", err)
	}
	// A failure after some resources were written leaves nothing either.
	_, err = svc.PartialImport(ctx, r, partialRep(t, `{"clients":[{"clientId":"new-app"}],
		"users":[{"username":"zed","groups":["/nope"]}]}`))
	if !errors.Is(err, realm.ErrInvalid) {
		t.Errorf("unknown group: %v", err)
	}
	if _, err := st.GetClientByClientID(ctx, r.ID, "new-app"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed import left new-app: %v", err)
	}
	// Plain passwords are checked against the policy before anything.
	if _, err := svc.PartialImport(ctx, r, partialRep(t,
		`{"users":[{"username":"short","credentials":[{"type":"password","value":"x"}]}]}`)); err == nil {
		t.Error("a password against the policy was accepted")
	}
	if _, err := svc.PartialImport(ctx, r, partialRep(t, `{"ifResourceExists":"skip"}`)); !errors.Is(err, realm.ErrInvalid) {
		t.Errorf("policy skip (lower case): %v", err)
	}

	// SKIP: existing resources stay, the others are added.
	res, err := svc.PartialImport(ctx, r, partialRep(t, `{"ifResourceExists":"SKIP",
		"clients":[{"clientId":"shop-api","description":"new"},{"clientId":"worker","publicClient":false,
			"serviceAccountsEnabled":true,"secret":"**********"}],
		"roles":{"realm":[{"name":"customer","description":"new"},{"name":"auditor","composite":true,
			"composites":{"realm":["customer"],"client":{"worker":["run"]}}}],
			"client":{"shop-api":[{"name":"read"},{"name":"write"}],"worker":[{"name":"run"}]}},
		"identityProviders":[{"alias":"github","providerId":"github"}],
		"groups":[{"name":"staff","path":"/staff"},{"name":"ops","realmRoles":["auditor"],
			"subGroups":[{"name":"oncall","clientRoles":{"shop-api":["write"]}}]}],
		"users":[{"username":"alice","firstName":"New"},
			{"username":"bob","enabled":true,"groups":["/ops/oncall"],
			 "credentials":[{"type":"password","value":"bob-pw-123"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ADDED CLIENT worker", "ADDED CLIENT_ROLE shop-api-->write", "ADDED CLIENT_ROLE worker-->run",
		"ADDED GROUP ops", "ADDED REALM_ROLE auditor", "ADDED USER bob",
		"SKIPPED CLIENT shop-api", "SKIPPED CLIENT_ROLE shop-api-->read", "SKIPPED GROUP staff", "SKIPPED IDP github",
		"SKIPPED REALM_ROLE customer", "SKIPPED USER alice",
	}
	if got := results(t, res); !slices.Equal(got, want) {
		t.Errorf("results\n got %q\nwant %q", got, want)
	}
	for _, x := range res.Results {
		if x.ResourceType == kcrep.ResourceClientRole && strings.HasPrefix(x.ResourceName, "shop-api-->") && x.ID != api.ID {
			t.Errorf("%+v: a client role's id is its client's (%s)", x, api.ID)
		}
	}
	if c, _ := st.GetClientByClientID(ctx, r.ID, "shop-api"); c.Description != "old" {
		t.Errorf("a skipped client changed: %q", c.Description)
	}
	worker, err := st.GetClientByClientID(ctx, r.ID, "worker")
	if err != nil || worker.Secret == "" || worker.Secret == realm.MaskedSecret {
		t.Errorf("worker = %+v, %v: want a generated secret", worker, err)
	}
	if _, err := st.GetServiceAccountUser(ctx, r.ID, worker.ID); err != nil {
		t.Errorf("worker's service account: %v", err)
	}
	if u, _ := st.GetUserByUsername(ctx, r.ID, "alice"); u.FirstName != "" {
		t.Errorf("a skipped user changed: %+v", u)
	}
	bob := userID(t, st, r.ID, "bob")
	creds, _ := st.ListCredentials(ctx, bob)
	if len(creds) != 1 || strings.Contains(creds[0].SecretData, "bob-pw-123") {
		t.Errorf("bob's credentials %+v, want one hashed password", creds)
	}
	eff, _ := role.Effective(ctx, st, r.ID, bob)
	for _, w := range []string{"auditor", "customer", "write", "run"} {
		if !slices.Contains(roleNames(eff), w) {
			t.Errorf("bob's effective roles %q lack %s (through /ops and /ops/oncall)", roleNames(eff), w)
		}
	}

	// OVERWRITE: clients and roles in place, groups and users anew.
	res, err = svc.PartialImport(ctx, r, partialRep(t, `{"ifResourceExists":"OVERWRITE",
		"clients":[{"clientId":"shop-api","publicClient":false,"secret":"**********","description":"new"}],
		"roles":{"realm":[{"name":"customer","description":"new"},{"name":"vip"}]},
		"groups":[{"name":"staff","attributes":{"b":["2"]}}],
		"users":[{"username":"alice","email":"alice@shop.test","firstName":"New","realmRoles":["vip"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"OVERWRITTEN CLIENT shop-api", "OVERWRITTEN GROUP staff", "OVERWRITTEN REALM_ROLE customer",
		"OVERWRITTEN REALM_ROLE vip", "OVERWRITTEN USER alice"}
	if got := results(t, res); !slices.Equal(got, want) {
		t.Errorf("results\n got %q\nwant %q", got, want)
	}
	c, _ := st.GetClientByClientID(ctx, r.ID, "shop-api")
	if c.ID != api.ID || c.Description != "new" || c.Secret != "old-secret" {
		t.Errorf("shop-api = %+v: want the same id, the new settings, the secret kept under the mask", c)
	}
	if _, err := st.GetRoleByName(ctx, r.ID, c.ID, "read"); err != nil {
		t.Errorf("an overwritten client lost its roles: %v", err)
	}
	cust, _ := st.GetRoleByName(ctx, r.ID, "", "customer")
	if cust.ID != customer.ID || cust.Description != "new" {
		t.Errorf("customer = %+v", cust)
	}
	vip, _ := st.GetRoleByName(ctx, r.ID, "", "vip")
	if comps, _ := st.ListComposites(ctx, r.ID, vip.ID); len(comps) != 0 {
		t.Errorf("vip's composites %q, want the file's (none)", roleNames(comps))
	}
	alice, _ := st.GetUserByUsername(ctx, r.ID, "alice")
	if alice.ID == aliceBefore.ID || alice.FirstName != "New" {
		t.Errorf("alice = %+v: want a new user", alice)
	}
	if roles, _ := st.ListUserRoles(ctx, r.ID, alice.ID); !slices.Contains(roleNames(roles), "vip") ||
		slices.Contains(roleNames(roles), "customer") {
		t.Errorf("alice's roles %q", roleNames(roles))
	}
	staff, _ := st.GetGroupByPath(ctx, r.ID, "/staff")
	if _, ok := staff.Attributes["a"]; ok || !slices.Equal(staff.Attributes["b"], []string{"2"}) {
		t.Errorf("staff = %+v: want the file's attributes only", staff)
	}
	if m, _ := st.ListGroupMembers(ctx, r.ID, staff.ID, store.Page{}); len(m) != 0 {
		t.Errorf("the recreated group kept members %+v", m)
	}
}
