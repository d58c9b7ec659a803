package realm_test

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

const importJSON = `{
  "id": "shop-id", "realm": "shop", "enabled": true, "registrationAllowed": true,
  "verifyEmail": true, "accessTokenLifespan": 600, "passwordPolicy": "length(8)",
  "smtpServer": {"host": "127.0.0.1", "port": "2525", "from": "no-reply@shop.test"},
  "roles": {
    "realm": [
      {"name": "customer", "description": "buys things"},
      {"name": "staff", "composite": true, "composites": {"realm": ["customer"], "client": {"shop-api": ["read"]}}},
      {"name": "offline_access", "description": "from the file"}
    ],
    "client": {"shop-api": [{"name": "read"}, {"name": "write"}]}
  },
  "defaultRoles": ["customer"],
  "clients": [
    {"id": "11111111-1111-1111-1111-111111111111", "clientId": "shop-api", "publicClient": false,
     "secret": "api-secret", "serviceAccountsEnabled": true, "redirectUris": ["https://shop.test/*"],
     "webOrigins": ["+"]},
    {"clientId": "shop-spa", "rootUrl": "https://shop.test"},
    {"clientId": "backend", "publicClient": false, "serviceAccountsEnabled": true},
    {"clientId": "account", "name": "My Account", "publicClient": true}
  ],
  "users": [
    {"id": "22222222-2222-2222-2222-222222222222", "username": "Alice", "email": "Alice@Shop.test",
     "enabled": true, "emailVerified": true, "createdTimestamp": 1718000000000,
     "attributes": {"phone": ["+1555"]}, "realmRoles": ["staff"], "clientRoles": {"shop-api": ["write"]},
     "credentials": [{"type": "password", "value": "alice-pw-1", "temporary": true}]},
    {"username": "bob", "enabled": true,
     "credentials": [{"type": "password", "createdDate": 1718000000000,
       "secretData": BOB_SECRET,
       "credentialData": "{\"hashIterations\":27500,\"algorithm\":\"pbkdf2-sha256\",\"additionalParameters\":{}}"}]},
    {"username": "service-account-shop-api", "enabled": true, "serviceAccountClientId": "shop-api",
     "clientRoles": {"realm-management": ["create-users"]}}
  ],
  "authenticationFlows": [{"alias": "browser"}],
  "components": {"org.keycloak.keys.KeyProvider": []}
}`

// bobSecret is a pbkdf2-sha256 hash of "bob-pw" made as Keycloak 20 made
// them (27,500 iterations, 64-byte key), as a secretData JSON string.
func bobSecret() string {
	salt := []byte("0123456789abcdef")
	key, err := pbkdf2.Key(sha256.New, "bob-pw", salt, 27500, 64)
	if err != nil {
		panic(err)
	}
	sd := fmt.Sprintf(`{"value":%q,"salt":%q,"additionalParameters":{}}`,
		base64.StdEncoding.EncodeToString(key), base64.StdEncoding.EncodeToString(salt))
	b, _ := json.Marshal(sd)
	return string(b)
}

func decode(t *testing.T, s string) *kcrep.RealmRepresentation {
	t.Helper()
	s = strings.ReplaceAll(s, "BOB_SECRET", bobSecret())
	var rep kcrep.RealmRepresentation
	if err := json.Unmarshal([]byte(s), &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

func TestImport(t *testing.T) { testenv.EachStore(t, testImport) }

func testImport(t *testing.T, st store.Store) {
	ctx := context.Background()
	svc, st := newService(t, st)
	r, err := svc.Import(ctx, decode(t, importJSON))
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "shop-id" {
		t.Errorf("realm id %q, want the file's", r.ID)
	}
	got, _ := st.GetRealmByName(ctx, "shop")
	if !got.Enabled || !got.RegistrationAllowed || !got.VerifyEmail || got.AccessTokenLifespan != 600 ||
		got.SSOSessionIdleTimeout != 1800 || got.PasswordPolicy != "length(8)" || got.SMTPServer["port"] != "2525" {
		t.Errorf("realm settings = %+v", got)
	}

	api, err := st.GetClientByClientID(ctx, r.ID, "shop-api")
	if err != nil || api.ID != "11111111-1111-1111-1111-111111111111" || api.PublicClient || api.Secret != "api-secret" {
		t.Fatalf("shop-api = %+v, %v", api, err)
	}
	spa, _ := st.GetClientByClientID(ctx, r.ID, "shop-spa")
	if !spa.PublicClient || !spa.StandardFlowEnabled || !spa.DirectAccessGrantsEnabled {
		t.Errorf("shop-spa lacks Keycloak's create defaults: %+v", spa)
	}
	backend, _ := st.GetClientByClientID(ctx, r.ID, "backend")
	if len(backend.Secret) != 32 {
		t.Errorf("confidential client without secret got %q", backend.Secret)
	}
	account, _ := st.GetClientByClientID(ctx, r.ID, "account")
	if account.Name != "My Account" {
		t.Errorf("the file's account client was not kept: %+v", account)
	}
	if roles, _ := st.ListRoles(ctx, r.ID, account.ID, store.RoleQuery{}); len(roles) != 8 {
		t.Errorf("account roles = %v", roleNames(roles))
	}

	// Service accounts: the file's, and one made for backend.
	sa, err := st.GetServiceAccountUser(ctx, r.ID, api.ID)
	if err != nil || sa.Username != "service-account-shop-api" {
		t.Fatalf("shop-api service account: %+v, %v", sa, err)
	}
	saRoles, _ := st.ListUserRoles(ctx, r.ID, sa.ID)
	if !slices.Contains(roleNames(saRoles), "create-users") {
		t.Errorf("service account roles = %v", roleNames(saRoles))
	}
	if _, err := st.GetServiceAccountUser(ctx, r.ID, backend.ID); err != nil {
		t.Errorf("backend service account: %v", err)
	}

	alice, err := st.GetUserByUsername(ctx, r.ID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if alice.ID != "22222222-2222-2222-2222-222222222222" || alice.Email != "alice@shop.test" || !alice.EmailVerified ||
		alice.CreatedAt.UnixMilli() != 1718000000000 || alice.Attributes["phone"][0] != "+1555" ||
		!slices.Contains(alice.RequiredActions, "UPDATE_PASSWORD") {
		t.Errorf("alice = %+v", alice)
	}
	aliceRoles, _ := st.ListUserRoles(ctx, r.ID, alice.ID)
	if got := roleNames(aliceRoles); !slices.Equal(got, []string{"default-roles-shop", "staff", "write"}) {
		t.Errorf("alice roles = %v", got)
	}
	if ok, err := svc.Passwords.Verify(ctx, got, alice, "alice-pw-1"); !ok || err != nil {
		t.Errorf("alice's plain password was not hashed verifiably: %v %v", ok, err)
	}
	bob, _ := st.GetUserByUsername(ctx, r.ID, "bob")
	bobCreds, _ := st.ListCredentials(ctx, bob.ID)
	if len(bobCreds) != 1 || bobCreds[0].CredentialData != `{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}` ||
		bobCreds[0].CreatedAt.UnixMilli() != 1718000000000 {
		t.Errorf("hashed credential not stored as given: %+v", bobCreds)
	}
	// Imported hashes verify with the old password, through the realm's
	// password service (length(8) does not apply to stored hashes).
	if ok, err := svc.Passwords.Verify(ctx, got, bob, "bob-pw"); !ok || err != nil {
		t.Errorf("bob's imported pbkdf2 hash does not verify: %v %v", ok, err)
	}
	if ok, _ := svc.Passwords.Verify(ctx, got, bob, "bob-PW"); ok {
		t.Error("a wrong password verified")
	}

	staff, _ := st.GetRoleByName(ctx, r.ID, "", "staff")
	staffComps, _ := st.ListComposites(ctx, r.ID, staff.ID)
	if got := roleNames(staffComps); !slices.Equal(got, []string{"customer", "read"}) {
		t.Errorf("staff composites = %v", got)
	}
	def, _ := st.GetRoleByName(ctx, r.ID, "", "default-roles-shop")
	defComps, _ := st.ListComposites(ctx, r.ID, def.ID)
	if !slices.Contains(roleNames(defComps), "customer") {
		t.Errorf("legacy defaultRoles not applied: %v", roleNames(defComps))
	}
	off, _ := st.GetRoleByName(ctx, r.ID, "", "offline_access")
	if off.Description != "from the file" {
		t.Errorf("built-in role not updated from the file: %+v", off)
	}

	if _, err := svc.Import(ctx, decode(t, importJSON)); !errors.Is(err, realm.ErrExists) {
		t.Errorf("second import: %v, want ErrExists", err)
	}
}

func TestImportIsAllOrNothing(t *testing.T) { testenv.EachStore(t, testImportIsAllOrNothing) }

func testImportIsAllOrNothing(t *testing.T, st store.Store) {
	ctx := context.Background()
	svc, st := newService(t, st)
	bad := decode(t, `{"realm": "broken", "enabled": true,
	  "clients": [{"clientId": "app"}],
	  "roles": {"realm": [{"name": "r", "composite": true, "composites": {"realm": ["no-such-role"]}}]},
	  "users": [{"username": "u1", "enabled": true}]}`)
	_, err := svc.Import(ctx, bad)
	if err == nil {
		t.Fatal("import with a composite naming an unknown role succeeded")
	}
	if _, err := st.GetRealmByName(ctx, "broken"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("failed import left the realm: %v", err)
	}
	master, _ := st.GetRealmByName(ctx, "master")
	if _, err := st.GetClientByClientID(ctx, master.ID, "broken-realm"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("failed import left broken-realm in master: %v", err)
	}
	dupUsers := decode(t, `{"realm": "dups", "enabled": true, "users": [{"username": "Same"}, {"username": "same"}]}`)
	if _, err := svc.Import(ctx, dupUsers); err == nil {
		t.Error("import with two users differing only in case succeeded")
	}
	if _, err := svc.Import(ctx, decode(t, `{"realm": "master", "enabled": true}`)); err == nil {
		t.Error("importing master must be refused")
	}
}

// Keycloak creates a role that a user is mapped to but the file does not
// define; an unknown client in clientRoles is an error.
func TestImportCreatesRolesUsersAreMappedTo(t *testing.T) {
	testenv.EachStore(t, testImportCreatesRolesUsersAreMappedTo)
}

func testImportCreatesRolesUsersAreMappedTo(t *testing.T, st store.Store) {
	ctx := context.Background()
	svc, st := newService(t, st)
	r, err := svc.Import(ctx, decode(t, `{"realm": "auto", "enabled": true, "clients": [{"clientId": "app"}],
	  "users": [{"username": "u", "realmRoles": [" undeclared "], "clientRoles": {"app": ["reader"]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := st.GetUserByUsername(ctx, r.ID, "u")
	roles, _ := st.ListUserRoles(ctx, r.ID, u.ID)
	if got := roleNames(roles); !slices.Equal(got, []string{"default-roles-auto", "reader", "undeclared"}) {
		t.Errorf("roles = %v", got)
	}
	_, err = svc.Import(ctx, decode(t, `{"realm": "auto2", "enabled": true,
	  "users": [{"username": "u", "clientRoles": {"ghost": ["x"]}}]}`))
	if err == nil {
		t.Error("client roles of an unknown client were accepted")
	}
}

// What Keycloak would accept and then fail on later is refused at import,
// naming the user and the problem; nothing is written.
func TestImportRefusals(t *testing.T) { testenv.EachStore(t, testImportRefusals) }

func testImportRefusals(t *testing.T, st store.Store) {
	ctx := context.Background()
	svc, _ := newService(t, st)
	cases := []struct{ name, json, want string }{
		{"bad policy", `{"realm":"x1","enabled":true,"passwordPolicy":"length(8) and nope"}`,
			"passwordPolicy: invalid password policy: Password policy not found"},
		{"bad policy config", `{"realm":"x2","enabled":true,"passwordPolicy":"length(abc)"}`,
			"Invalid config for length: Not a valid number"},
		{"unknown hash algorithm", `{"realm":"x3","enabled":true,"users":[{"username":"carol","credentials":[{"type":"password",
		  "secretData":"{\"value\":\"AAAA\",\"salt\":\"AAAA\"}","credentialData":"{\"hashIterations\":1,\"algorithm\":\"md5-custom\"}"}]}]}`,
			`users[0] (carol).credentials[0]: password hash with algorithm "md5-custom" cannot be verified`},
		{"plain password against the policy", `{"realm":"x4","enabled":true,"passwordPolicy":"length(12) and digits(2)",
		  "users":[{"username":"dave","credentials":[{"type":"password","value":"short1"}]}]}`,
			"users[0] (dave).credentials[0]: Invalid password: minimum length 12."},
	}
	for _, c := range cases {
		_, err := svc.Import(ctx, decode(t, c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	realms, _ := st.ListRealms(ctx)
	if len(realms) != 1 {
		t.Errorf("refused imports left realms behind: %d realms", len(realms))
	}
}

func TestFromRepresentationOmittedEnabledIsDisabled(t *testing.T) {
	r := realm.FromRepresentation(decode(t, `{"realm": "x", "duplicateEmailsAllowed": true}`))
	if r.Enabled {
		t.Error("Keycloak creates a realm without enabled as disabled")
	}
	if r.LoginWithEmailAllowed || r.RegistrationEmailAsUsername {
		t.Error("duplicate emails must turn off login with email")
	}
}
