package export_test

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/latchkey/latchkey/internal/testenv"
)

// shopRealm is a realm with every part an export carries: clients (a
// confidential one with a service account holding admin roles), realm and
// client roles with composites of both kinds, a group tree with attributes,
// role mappings and a default group, and users with role mappings, groups,
// attributes, required actions and passwords hashed with argon2 (by
// latchkey and by hand), pbkdf2-sha256, pbkdf2-sha512 and bcrypt.
func shopRealm() (string, map[string]string) {
	salt := []byte("argon-salt-bytes")
	a2 := argon2.IDKey([]byte("argon-pw"), salt, 3, 4096, 2, 32)
	argon := hashedCredential("argon2", 3, map[string]any{"value": base64.StdEncoding.EncodeToString(a2),
		"salt": base64.StdEncoding.EncodeToString(salt), "additionalParameters": map[string]any{}},
		map[string][]string{"hashLength": {"32"}, "memory": {"4096"}, "type": {"id"}, "version": {"1.3"}, "parallelism": {"2"}})
	passwords := map[string]string{"alice": "Alice-pw-1", "argon": "argon-pw", "sha256": "sha256-pw",
		"sha512": "sha512-pw", "bcrypt": "bcrypt-pw", "bob": "Bob-pw-22", "carol": "Carol-pw-3"}
	realm := fmt.Sprintf(`{
  "realm": "shop", "enabled": true, "displayName": "The Shop", "registrationAllowed": true,
  "passwordPolicy": "length(8)", "accessTokenLifespan": 600, "attributes": {"frontendUrl": ""},
  "roles": {
    "realm": [
      {"name": "member", "description": "a member"}, {"name": "auditor"},
      {"name": "editor", "composite": true, "composites": {"realm": ["member"], "client": {"backend": ["read"]}},
       "attributes": {"level": ["2"]}}
    ],
    "client": {"backend": [
      {"name": "read"},
      {"name": "write", "composite": true, "composites": {"client": {"backend": ["read"]}}}
    ]}
  },
  "groups": [
    {"name": "staff", "attributes": {"floor": ["3"]}, "realmRoles": ["member"],
     "subGroups": [{"name": "auditors", "realmRoles": ["auditor"], "clientRoles": {"backend": ["read"]}}]},
    {"name": "guests"}
  ],
  "defaultGroups": ["/guests"],
  "clients": [
    {"clientId": "app", "publicClient": true, "directAccessGrantsEnabled": true,
     "redirectUris": ["https://app.test/*"], "webOrigins": ["+"], "attributes": {"pkce.code.challenge.method": "S256"}},
    {"clientId": "backend", "publicClient": false, "secret": "backend-s3cret", "serviceAccountsEnabled": true,
     "directAccessGrantsEnabled": false, "description": "the shop's server"}
  ],
  "users": [
    {"username": "alice", "enabled": true, "email": "alice@example.com", "emailVerified": true,
     "firstName": "Alice", "lastName": "Liddell", "attributes": {"team": ["blue", "red"]},
     "credentials": [{"type": "password", "value": %q}],
     "realmRoles": ["editor"], "clientRoles": {"backend": ["write"]}},
    {"username": "argon", "enabled": true, "credentials": [%s], "realmRoles": ["member"]},
    {"username": "sha256", "enabled": true, "credentials": [%s], "clientRoles": {"backend": ["read"]}},
    {"username": "sha512", "enabled": true, "credentials": [%s]},
    {"username": "bcrypt", "enabled": true, "email": "bcrypt@example.com", "credentials": [%s]},
    {"username": "bob", "enabled": true, "credentials": [{"type": "password", "value": %q}],
     "groups": ["/staff/auditors", "/guests"]},
    {"username": "carol", "enabled": true, "credentials": [{"type": "password", "value": %q}],
     "realmRoles": ["member"], "clientRoles": {"account": ["view-profile"]}},
    {"username": "dave", "enabled": true, "requiredActions": ["UPDATE_PROFILE"]},
    {"username": "service-account-backend", "enabled": true, "serviceAccountClientId": "backend",
     "clientRoles": {"realm-management": ["view-users"]}}
  ]}`, passwords["alice"], argon,
		pbkdf2Credential("pbkdf2-sha256", sha256.New, 27500, 32, "sha256-pw"),
		pbkdf2Credential("pbkdf2-sha512", sha512.New, 30000, 64, "sha512-pw"),
		bcryptCredential("bcrypt-pw"), passwords["bob"], passwords["carol"])
	return realm, passwords
}

// TestExportReimportLogsIn is the promise of the export: a realm exported
// from one latchkey and imported into an empty one (another database)
// keeps every user's password and roles, and exports the same again.
func TestExportReimportLogsIn(t *testing.T) {
	eachBackend(t, func(t *testing.T, newDB func(t *testing.T) db) {
		src, dst := newDB(t), newDB(t)
		srcSrv := testenv.NewServer(t, src.opt)
		realmJSON, passwords := shopRealm()
		srcSrv.ImportRealm(realmJSON)

		// Export before anyone logs in: a login re-hashes with the realm's
		// algorithm, and the hashes must leave as they were stored.
		out := t.TempDir()
		stderr := mustRun(t, withArgs(src, "export", "--dir", out, "--realm", "shop", "--users-per-file", "2")...)
		if !strings.Contains(stderr, "export done: 1 realms, 9 users") {
			t.Errorf("summary:\n%s", stderr)
		}
		files, _ := filepath.Glob(filepath.Join(out, "*.json"))
		if len(files) != 1+5 {
			t.Errorf("files %q, want shop-realm.json and 5 users files of 2", files)
		}
		algorithms := map[string]string{}
		for _, u := range exported(t, out)["shop"].(map[string]any)["users"].([]any) {
			u := u.(map[string]any)
			if creds, ok := u["credentials"].([]any); ok && len(creds) == 1 {
				var cd struct{ Algorithm string }
				_ = json.Unmarshal([]byte(creds[0].(map[string]any)["credentialData"].(string)), &cd)
				algorithms[u["username"].(string)] = cd.Algorithm
			}
		}
		wantAlg := map[string]string{"alice": "argon2", "argon": "argon2", "sha256": "pbkdf2-sha256",
			"sha512": "pbkdf2-sha512", "bcrypt": "bcrypt", "bob": "argon2", "carol": "argon2"}
		if !reflect.DeepEqual(algorithms, wantAlg) {
			t.Errorf("exported hash algorithms %v, want %v", algorithms, wantAlg)
		}
		checkGroups(t, exported(t, out)["shop"].(map[string]any))
		want := loginAll(t, srcSrv.URL, passwords)

		// An empty latchkey: import creates master from the bootstrap admin.
		stderr = mustRun(t, withArgs(dst, "import", "--dir", out, "--batch-size", "3",
			"--bootstrap-admin-password", "admin-pw")...)
		if !strings.Contains(stderr, "import done: 1 realms imported, 0 skipped, 9 users") {
			t.Errorf("summary:\n%s", stderr)
		}
		if strings.Contains(stderr, "\r") {
			t.Errorf("progress drawn on a stderr that is not a terminal:\n%q", stderr)
		}

		// Export again before anyone logs in (a login may re-hash).
		again := t.TempDir()
		mustRun(t, withArgs(dst, "export", "--dir", again, "--realm", "shop", "--users", "same_file")...)
		first, second := exported(t, out), exported(t, again)
		if !reflect.DeepEqual(first, second) {
			diff(t, "", first, second)
		}

		dstSrv := testenv.NewServer(t, dst.opt)
		got := loginAll(t, dstSrv.URL, passwords)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("roles after the move:\n got %q\nwant %q", got, want)
		}
		if _, status, body := tokenClaims(t, dstSrv.URL, "shop", url.Values{"grant_type": {"password"},
			"client_id": {"app"}, "username": {"alice"}, "password": {"wrong-password"}}); status != 401 {
			t.Errorf("a wrong password: %d %s", status, body)
		}
		// The master realm's admin of the new database is the bootstrap one.
		if _, status, body := tokenClaims(t, dstSrv.URL, "master", url.Values{"grant_type": {"password"},
			"client_id": {"admin-cli"}, "username": {"admin"}, "password": {"admin-pw"}}); status != 200 {
			t.Errorf("bootstrap admin: %d %s", status, body)
		}
	})
}

// loginAll logs every user in with the password grant, and the backend
// client in with its secret, and returns everyone's roles.
func loginAll(t *testing.T, base string, passwords map[string]string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for user, pw := range passwords {
		claims, status, body := tokenClaims(t, base, "shop", url.Values{"grant_type": {"password"},
			"client_id": {"app"}, "username": {user}, "password": {pw}})
		if status != 200 {
			t.Errorf("%s cannot log in: %d %s", user, status, body)
			continue
		}
		out[user] = roles(claims)
	}
	claims, status, body := tokenClaims(t, base, "shop", url.Values{"grant_type": {"client_credentials"},
		"client_id": {"backend"}, "client_secret": {"backend-s3cret"}})
	if status != 200 {
		t.Errorf("backend's service account: %d %s", status, body)
	} else {
		out["service-account-backend"] = roles(claims)
	}
	if r := out["alice"]; !slices.Contains(r, "editor") || !slices.Contains(r, "backend/read") || !slices.Contains(r, "backend/write") {
		t.Errorf("alice's roles %q lack her mappings and composites", r)
	}
	// bob holds auditor, member and backend/read through /staff/auditors
	// and its parent only.
	if r := out["bob"]; !slices.Contains(r, "auditor") || !slices.Contains(r, "member") || !slices.Contains(r, "backend/read") {
		t.Errorf("bob's roles %q lack the roles of his groups", r)
	}
	if r := out["service-account-backend"]; !slices.Contains(r, "realm-management/view-users") {
		t.Errorf("the service account's roles %q lack realm-management/view-users", r)
	}
	return out
}

// exported reads an export directory back into one value per realm, with
// users sorted by username and the ids of roles removed: a new realm's
// built-in roles get ids of their own, everything else keeps the file's.
func exported(t *testing.T, dir string) map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in %s: %v", dir, err)
	}
	out := map[string]any{}
	users := map[string][]any{}
	for _, f := range files {
		v := readJSON(t, f).(map[string]any)
		name := v["realm"].(string)
		if strings.Contains(filepath.Base(f), "-users-") {
			users[name] = append(users[name], v["users"].([]any)...)
			continue
		}
		stripRoleIDs(v)
		out[name] = v
	}
	for name, us := range users {
		sort.Slice(us, func(i, j int) bool {
			return us[i].(map[string]any)["username"].(string) < us[j].(map[string]any)["username"].(string)
		})
		out[name].(map[string]any)["users"] = us
	}
	if _, err := os.Stat(filepath.Join(dir, "shop-realm.json")); err != nil {
		t.Fatal(err)
	}
	return out
}

func stripRoleIDs(realm map[string]any) {
	delete(realm["defaultRole"].(map[string]any), "id")
	roles := realm["roles"].(map[string]any)
	for _, r := range roles["realm"].([]any) {
		delete(r.(map[string]any), "id")
	}
	for _, list := range roles["client"].(map[string]any) {
		for _, r := range list.([]any) {
			delete(r.(map[string]any), "id")
		}
	}
}

// diff reports the first differences between two decoded JSON values.
func diff(t *testing.T, path string, a, b any) {
	t.Helper()
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			t.Errorf("%s: %v != %v", path, a, b)
			return
		}
		for k := range av {
			diff(t, path+"."+k, av[k], bv[k])
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				t.Errorf("%s.%s: only in the second: %v", path, k, bv[k])
			}
		}
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			t.Errorf("%s: %v != %v", path, a, b)
			return
		}
		for i := range av {
			diff(t, fmt.Sprintf("%s[%d]", path, i), av[i], bv[i])
		}
	default:
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: %v != %v", path, a, b)
		}
	}
}

// checkGroups checks the groups of an exported shop realm: the tree with
// attributes and role mappings, the default group, and memberships (an
// import does not make users join default groups: only bob is in one).
func checkGroups(t *testing.T, realm map[string]any) {
	t.Helper()
	groups, _ := json.Marshal(realm["groups"])
	var tree []struct {
		Name, Path  string
		Attributes  map[string][]string
		RealmRoles  []string
		ClientRoles map[string][]string
		SubGroups   []struct {
			Name, Path, ParentID string
			RealmRoles           []string
			ClientRoles          map[string][]string
		}
	}
	if err := json.Unmarshal(groups, &tree); err != nil || len(tree) != 2 {
		t.Fatalf("groups %s: %v", groups, err)
	}
	staff := tree[1]
	if tree[0].Path != "/guests" || staff.Path != "/staff" || !slices.Equal(staff.Attributes["floor"], []string{"3"}) ||
		!slices.Equal(staff.RealmRoles, []string{"member"}) || len(staff.SubGroups) != 1 {
		t.Errorf("groups %s", groups)
	} else if sub := staff.SubGroups[0]; sub.Path != "/staff/auditors" || !slices.Equal(sub.RealmRoles, []string{"auditor"}) ||
		!slices.Equal(sub.ClientRoles["backend"], []string{"read"}) || sub.ParentID == "" {
		t.Errorf("subgroup %+v", sub)
	}
	if d, _ := json.Marshal(realm["defaultGroups"]); string(d) != `["/guests"]` {
		t.Errorf("defaultGroups %s", d)
	}
	for _, u := range realm["users"].([]any) {
		u := u.(map[string]any)
		got, _ := json.Marshal(u["groups"])
		want := "[]"
		if u["username"] == "bob" {
			want = `["/staff/auditors","/guests"]` // by name
		}
		if string(got) != want {
			t.Errorf("%s's groups %s, want %s", u["username"], got, want)
		}
	}
}
