package realm_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

func newService(t *testing.T, st store.Store) (*realm.Service, store.Store) {
	svc := &realm.Service{Store: st, Log: testenv.Logger(t), Passwords: testenv.Passwords(t, st)}
	created, err := svc.EnsureMaster(context.Background(), "Admin", "s3cret")
	if err != nil || !created {
		t.Fatalf("EnsureMaster = %v, %v", created, err)
	}
	return svc, st
}

func roleNames(roles []model.Role) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}

func TestEnsureMaster(t *testing.T) { testenv.EachStore(t, testEnsureMaster) }

func testEnsureMaster(t *testing.T, st store.Store) {
	ctx := context.Background()
	svc, st := newService(t, st)
	master, err := st.GetRealmByName(ctx, "master")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := st.GetUserByUsername(ctx, master.ID, "admin")
	if err != nil {
		t.Fatalf("bootstrap admin (lower-cased): %v", err)
	}
	if !admin.Enabled || admin.Attributes["is_temporary_admin"][0] != "true" {
		t.Errorf("admin = %+v", admin)
	}
	roles, err := st.ListUserRoles(ctx, master.ID, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := roleNames(roles); !slices.Equal(got, []string{"admin", "default-roles-master"}) {
		t.Errorf("admin roles = %v", got)
	}
	creds, err := st.ListCredentials(ctx, admin.ID)
	if err != nil || len(creds) != 1 {
		t.Fatalf("credentials = %v, %v", creds, err)
	}
	ok, err := svc.Passwords.Verify(ctx, master, admin, "s3cret")
	if err != nil || !ok {
		t.Errorf("bootstrap password does not verify: %v %v", ok, err)
	}
	for _, cid := range []string{"admin-cli", "account", "master-realm"} {
		if _, err := st.GetClientByClientID(ctx, master.ID, cid); err != nil {
			t.Errorf("master client %s: %v", cid, err)
		}
	}
	if _, err := st.GetClientByClientID(ctx, master.ID, "realm-management"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("master must not have realm-management, got %v", err)
	}
	cli, _ := st.GetClientByClientID(ctx, master.ID, "admin-cli")
	if !cli.PublicClient || !cli.DirectAccessGrantsEnabled || cli.StandardFlowEnabled {
		t.Errorf("admin-cli = %+v", cli)
	}
	again, err := svc.EnsureMaster(ctx, "other", "x")
	if err != nil || again {
		t.Errorf("second EnsureMaster = %v, %v; want no-op", again, err)
	}
	if _, err := st.GetUserByUsername(ctx, master.ID, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second bootstrap created a user: %v", err)
	}
}

func TestCreateRealmHasKeycloakBuiltins(t *testing.T) {
	testenv.EachStore(t, testCreateRealmHasKeycloakBuiltins)
}

func testCreateRealmHasKeycloakBuiltins(t *testing.T, st store.Store) {
	ctx := context.Background()
	svc, st := newService(t, st)
	r := realm.Defaults("Demo")
	if err := svc.Create(ctx, &r, realm.Contents{}); err != nil {
		t.Fatal(err)
	}
	if r.ID == "" || r.DefaultRoleID == "" {
		t.Fatalf("realm = %+v", r)
	}
	got, err := st.GetRealmByName(ctx, "Demo")
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessTokenLifespan != 300 || got.SSOSessionIdleTimeout != 1800 || !got.LoginWithEmailAllowed ||
		got.RegistrationAllowed || got.SSLRequired != "external" || got.DefaultRoleID != r.DefaultRoleID {
		t.Errorf("stored realm lacks Keycloak defaults: %+v", got)
	}

	def, err := st.GetRoleByName(ctx, r.ID, "", "default-roles-demo")
	if err != nil {
		t.Fatalf("default role: %v", err)
	}
	comps, err := st.ListComposites(ctx, r.ID, def.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := roleNames(comps); !slices.Equal(got, []string{"manage-account", "offline_access", "uma_authorization", "view-profile"}) {
		t.Errorf("default role composites = %v", got)
	}

	rm, err := st.GetClientByClientID(ctx, r.ID, "realm-management")
	if err != nil {
		t.Fatal(err)
	}
	if !rm.BearerOnly {
		t.Error("realm-management must be bearer-only")
	}
	rmRoles, err := st.ListRoles(ctx, r.ID, rm.ID, store.RoleQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(realm.AdminRoles), "realm-admin")
	sort.Strings(want)
	if got := roleNames(rmRoles); !slices.Equal(got, want) {
		t.Errorf("realm-management roles = %v\nwant %v", got, want)
	}
	ra, _ := st.GetRoleByName(ctx, r.ID, rm.ID, "realm-admin")
	raComps, _ := st.ListComposites(ctx, r.ID, ra.ID)
	if len(raComps) != len(realm.AdminRoles) || !slices.Contains(roleNames(raComps), "create-users") {
		t.Errorf("realm-admin composites = %v", roleNames(raComps))
	}
	vu, _ := st.GetRoleByName(ctx, r.ID, rm.ID, "view-users")
	vuComps, _ := st.ListComposites(ctx, r.ID, vu.ID)
	if got := roleNames(vuComps); !slices.Equal(got, []string{"query-groups", "query-users"}) {
		t.Errorf("view-users composites = %v", got)
	}
	for _, cid := range []string{"account", "account-console", "admin-cli", "broker"} {
		if _, err := st.GetClientByClientID(ctx, r.ID, cid); err != nil {
			t.Errorf("client %s: %v", cid, err)
		}
	}

	// Master holds Demo-realm, whose roles the master admin role includes.
	master, _ := st.GetRealmByName(ctx, "master")
	dr, err := st.GetClientByClientID(ctx, master.ID, "Demo-realm")
	if err != nil {
		t.Fatalf("Demo-realm client in master: %v", err)
	}
	drRoles, _ := st.ListRoles(ctx, master.ID, dr.ID, store.RoleQuery{})
	if len(drRoles) != len(realm.AdminRoles) {
		t.Errorf("Demo-realm roles = %v", roleNames(drRoles))
	}
	admin, _ := st.GetRoleByName(ctx, master.ID, "", "admin")
	adminComps, _ := st.ListComposites(ctx, master.ID, admin.ID)
	ids := map[string]bool{}
	for _, c := range adminComps {
		ids[c.ID] = true
	}
	for _, dr := range drRoles {
		if !ids[dr.ID] {
			t.Errorf("master admin lacks Demo-realm/%s", dr.Name)
		}
	}

	dup := realm.Defaults("Demo")
	if err := svc.Create(ctx, &dup, realm.Contents{}); !errors.Is(err, realm.ErrExists) {
		t.Errorf("duplicate realm: %v, want ErrExists", err)
	}

	if err := svc.Delete(ctx, "Demo"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetRealmByName(ctx, "Demo"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted realm still there: %v", err)
	}
	if _, err := st.GetClientByClientID(ctx, master.ID, "Demo-realm"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Demo-realm client survives its realm: %v", err)
	}
	if err := svc.Delete(ctx, "master"); !errors.Is(err, realm.ErrMasterProtected) {
		t.Errorf("delete master: %v", err)
	}
}

func TestCreateNeedsMaster(t *testing.T) { testenv.EachStore(t, testCreateNeedsMaster) }

func testCreateNeedsMaster(t *testing.T, st store.Store) {
	svc := &realm.Service{Store: st, Log: testenv.Logger(t), Passwords: testenv.Passwords(t, st)}
	r := realm.Defaults("demo")
	if err := svc.Create(context.Background(), &r, realm.Contents{}); !errors.Is(err, realm.ErrNoMaster) {
		t.Fatalf("got %v, want ErrNoMaster", err)
	}
	if _, err := st.GetRealmByName(context.Background(), "demo"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed create left the realm behind: %v", err)
	}
}

func TestRealmKeysFollowSignatureAlgorithm(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc, _ := newService(t, st)
		for _, alg := range []string{"ES256", "EdDSA"} {
			r := realm.Defaults("fast-" + alg)
			r.DefaultSignatureAlgorithm = alg
			if err := svc.Create(ctx, &r, realm.Contents{}); err != nil {
				t.Fatal(err)
			}
			keys, _ := st.ListKeys(ctx, r.ID)
			got := map[string]bool{}
			for _, k := range keys {
				got[k.Algorithm] = k.Active && k.Enabled
			}
			if !got[alg] || !got["RS256"] || !got["HS512"] {
				t.Errorf("%s realm keys: %v", alg, got)
			}
		}
		bad := realm.Defaults("bad-alg")
		bad.DefaultSignatureAlgorithm = "none"
		if err := svc.Create(ctx, &bad, realm.Contents{}); err == nil {
			t.Error("a realm signing with alg none was created")
		}
	})
}
