package adminapi_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

func TestUserCreateGetUpdateDelete(t *testing.T) {
	s := testenv.NewServer(t)
	sh := newShop(t, s)
	id := sh.create(t, sh.creator, map[string]any{"username": "JDoe", "email": "JDoe@Example.com",
		"firstName": "John", "lastName": "Doe", "enabled": true,
		"attributes":      map[string][]string{"phone": {"+1555"}, "blank": {" "}},
		"requiredActions": []string{"VERIFY_EMAIL", "NO_SUCH_ACTION"},
		"realmRoles":      []string{"vip"}, "id": "chosen-by-client",
		"credentials": []map[string]any{{"type": "password", "value": "S3cret!pass", "temporary": true}}})
	if id == "chosen-by-client" {
		t.Error("the server kept the id from the body")
	}
	r := call(t, s, "GET", sh.base+"/"+id, sh.viewer, nil)
	var got map[string]any
	r.json(t, &got)
	created := got["createdTimestamp"]
	want := fmt.Sprintf(`{"id":%q,"username":"jdoe","firstName":"John","lastName":"Doe","email":"jdoe@example.com",
		"emailVerified":false,"attributes":{"phone":["+1555"]},"createdTimestamp":%v,"enabled":true,"totp":false,
		"disableableCredentialTypes":[],"requiredActions":["UPDATE_PASSWORD","VERIFY_EMAIL"],"notBefore":0,
		"access":{"view":true,"manage":false,"mapRoles":false,"manageGroupMembership":false,"impersonate":false,"resetPassword":false}}`,
		id, created)
	expect(t, "GET as viewer", r, 200, want)

	// realmRoles are ignored by this endpoint, as in Keycloak.
	var roles []map[string]any
	call(t, s, "GET", sh.base+"/"+id+"/role-mappings/realm", sh.viewer, nil).json(t, &roles)
	if len(roles) != 1 || roles[0]["name"] != "default-roles-shop" {
		t.Errorf("realm mappings of a new user = %v", roles)
	}

	// The creator (create-users) can do nothing else.
	expect(t, "creator GET", call(t, s, "GET", sh.base+"/"+id, sh.creator, nil), 403, body403)
	expect(t, "creator GET unknown", call(t, s, "GET", sh.base+"/nope", sh.creator, nil), 403, body403)
	expect(t, "creator list", call(t, s, "GET", sh.base, sh.creator, nil), 403, body403)
	expect(t, "creator count", call(t, s, "GET", sh.base+"/count", sh.creator, nil), 403, body403)
	expect(t, "creator PUT", call(t, s, "PUT", sh.base+"/"+id, sh.creator, map[string]any{"firstName": "X"}), 403, body403)
	expect(t, "creator DELETE", call(t, s, "DELETE", sh.base+"/"+id, sh.creator, nil), 403, body403)
	expect(t, "creator reset-password", call(t, s, "PUT", sh.base+"/"+id+"/reset-password", sh.creator, map[string]any{"value": "another-pass"}), 403, body403)
	// The viewer cannot create or change.
	expect(t, "viewer POST", call(t, s, "POST", sh.base, sh.viewer, map[string]any{"username": "v1"}), 403, body403)
	expect(t, "viewer PUT", call(t, s, "PUT", sh.base+"/"+id, sh.viewer, map[string]any{"firstName": "X"}), 403, body403)
	expect(t, "viewer GET unknown", call(t, s, "GET", sh.base+"/nope", sh.viewer, nil), 404,
		`{"error":"User not found","error_description":"For more on this error consult the server log at the debug level."}`)
	// No token, token of another realm.
	r = call(t, s, "GET", sh.base+"/"+id, "", nil)
	expect(t, "no token", r, 401, body401)
	if r.header.Get("WWW-Authenticate") != "Bearer" {
		t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
	}
	expect(t, "other realm's admin", call(t, s, "GET", sh.base+"/"+id, sh.other, nil), 403, body403)
	expect(t, "other realm's admin creates", call(t, s, "POST", sh.base, sh.other, map[string]any{"username": "o1"}), 403, body403)
	expect(t, "master admin", call(t, s, "GET", sh.base+"/"+id, sh.master, nil), 200, "")

	// Partial update: absent fields stay; requiredActions replace.
	expect(t, "PUT", call(t, s, "PUT", sh.base+"/"+id, sh.manager, map[string]any{"firstName": "Johnny",
		"username": "renamed", "emailVerified": true, "requiredActions": []string{"CONFIGURE_TOTP"}}), 204, "")
	got = nil
	call(t, s, "GET", sh.base+"/"+id, sh.manager, nil).json(t, &got)
	if got["firstName"] != "Johnny" || got["lastName"] != "Doe" || got["username"] != "jdoe" ||
		got["emailVerified"] != true || fmt.Sprint(got["requiredActions"]) != "[CONFIGURE_TOTP]" ||
		fmt.Sprint(got["attributes"]) != "map[phone:[+1555]]" {
		t.Errorf("after PUT: %v", got)
	}
	// "attributes" present: attributes replaced, left-out names cleared.
	expect(t, "PUT attributes", call(t, s, "PUT", sh.base+"/"+id, sh.manager, map[string]any{
		"attributes": map[string][]string{"team": {"blue"}}, "email": "jdoe@example.com"}), 204, "")
	got = nil
	call(t, s, "GET", sh.base+"/"+id, sh.manager, nil).json(t, &got)
	if _, ok := got["firstName"]; ok || fmt.Sprint(got["attributes"]) != "map[team:[blue]]" || got["email"] != "jdoe@example.com" {
		t.Errorf("after PUT with attributes: %v", got)
	}
	other := sh.create(t, sh.manager, map[string]any{"username": "second", "email": "second@example.com"})
	expect(t, "PUT onto another email", call(t, s, "PUT", sh.base+"/"+other, sh.manager, map[string]any{"email": "JDOE@example.com"}),
		409, `{"errorMessage":"User exists with same email"}`)
	expect(t, "PUT bad email", call(t, s, "PUT", sh.base+"/"+other, sh.manager, map[string]any{"email": "bad"}),
		400, `{"field":"email","errorMessage":"error-invalid-email","params":["email","bad"]}`)

	expect(t, "DELETE", call(t, s, "DELETE", sh.base+"/"+other, sh.manager, nil), 204, "")
	expect(t, "DELETE again", call(t, s, "DELETE", sh.base+"/"+other, sh.manager, nil), 404,
		`{"error":"User not found","error_description":"For more on this error consult the server log at the debug level."}`)
	expect(t, "GET deleted", call(t, s, "GET", sh.base+"/"+other, sh.querier, nil), 404, "")
}

// editUsernameAllowed lets PUT rename.
func TestUserRename(t *testing.T) {
	s := testenv.NewServer(t)
	s.ImportRealm(`{"realm":"ed","enabled":true,"editUsernameAllowed":true,"users":[
		{"username":"boss","enabled":true,"credentials":[{"type":"password","value":"boss-password"}],"clientRoles":{"realm-management":["manage-users"]}},
		{"username":"busy","enabled":true}]}`)
	tok := token(t, s, "ed", "admin-cli", "boss", "boss-password")
	id := func(name string) string {
		var l []map[string]any
		call(t, s, "GET", "/admin/realms/ed/users?exact=true&username="+name, tok, nil).json(t, &l)
		if len(l) != 1 {
			t.Fatalf("%s: %v", name, l)
		}
		return l[0]["id"].(string)
	}
	u := id("boss")
	expect(t, "rename", call(t, s, "PUT", "/admin/realms/ed/users/"+u, tok, map[string]any{"username": "Chief"}), 204, "")
	id("chief")
	expect(t, "rename onto another", call(t, s, "PUT", "/admin/realms/ed/users/"+u, tok, map[string]any{"username": "BUSY"}),
		409, `{"errorMessage":"User exists with same username"}`)
}

func TestUserListAndSearch(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		sh := newShop(t, s)
		for _, u := range []map[string]any{
			{"username": "alice", "email": "alice@example.com", "firstName": "Alice", "lastName": "Zimmer", "enabled": true, "attributes": map[string][]string{"dept": {"Eng"}}},
			{"username": "albert", "email": "bert@sample.org", "firstName": "Albert", "lastName": "Young", "enabled": true},
			{"username": "bob", "email": "bob@example.com", "firstName": "Robert", "lastName": "Alvarez", "emailVerified": true},
			{"username": "carol", "firstName": "Carol", "lastName": "Smith", "enabled": true, "attributes": map[string][]string{"dept": {"eng"}, "level": {"senior staff"}}},
		} {
			sh.create(t, sh.manager, u)
		}
		people := "albert alice bob boss carol mu"
		tests := []struct{ query, want string }{
			{"", people},
			{"search=al", "albert alice bob"},
			{"search=AL", "albert alice bob"},
			{"search=al*", "albert alice bob"},
			{"search=" + url.QueryEscape("al zim"), "alice"},
			{"search=" + url.QueryEscape("*xample*"), "alice bob"},
			{"search=*lvar", "bob"},
			{"search=xample", ""},
			{"search=" + url.QueryEscape(`"alic"`), ""},
			{"search=" + url.QueryEscape(`"ALICE"`), "alice"},
			{"search=service", ""},
			{"search=*", people},
			{"search=al&enabled=true", "albert alice"},
			{"search=al&emailVerified=true", "bob"},
			{"search=al&username=bob", "albert alice bob"},
			{"username=service", "service-account-creator service-account-manager service-account-querier service-account-viewer"},
			{"username=AL", "albert alice"},
			{"username=al&exact=true", ""},
			{"username=ALICE&exact=true", "alice"},
			{"email=EXAMPLE.com", "alice bob"},
			{"firstName=rob", "bob"},
			{"lastName=smith&exact=true", "carol"},
			{"enabled=false", "bob"},
			{"emailVerified=true", "bob"},
			{"q=dept:ENG", "alice carol"},
			{"q=" + url.QueryEscape(`level:"senior staff" dept:eng`), "carol"},
			{"q=dept:en", ""},
			{"max=2", "albert alice"},
			{"first=2&max=2", "bob boss"},
			{"first=5", "mu"},
			{"max=0", ""},
			{"max=-1", people},
			{"search=id:nope", ""},
		}
		for _, tc := range tests {
			var list []map[string]any
			r := call(t, s, "GET", sh.base+"?"+tc.query, sh.viewer, nil)
			if r.status != 200 {
				t.Errorf("%s: %d %s", tc.query, r.status, r.body)
				continue
			}
			r.json(t, &list)
			var names []string
			for _, u := range list {
				names = append(names, u["username"].(string))
			}
			if got := strings.Join(names, " "); got != tc.want {
				t.Errorf("GET /users?%s = %q, want %q", tc.query, got, tc.want)
			}
			if !strings.HasPrefix(tc.query, "first") && !strings.HasPrefix(tc.query, "max") && !strings.HasPrefix(tc.query, "search=id") {
				var n int
				call(t, s, "GET", sh.base+"/count?"+tc.query, sh.querier, nil).json(t, &n)
				if want := len(strings.Fields(tc.want)); n != want && !strings.Contains(tc.query, "exact=true") {
					t.Errorf("GET /users/count?%s = %d, want %d", tc.query, n, want)
				}
			}
		}
		// Brief and full representations in listings carry only "manage".
		var list []map[string]any
		call(t, s, "GET", sh.base+"?briefRepresentation=true&username=alice&exact=true", sh.viewer, nil).json(t, &list)
		if len(list) != 1 || list[0]["attributes"] != nil || list[0]["requiredActions"] != nil ||
			fmt.Sprint(list[0]["access"]) != "map[manage:false]" {
			t.Errorf("brief = %v", list)
		}
		list = nil
		call(t, s, "GET", sh.base+"?username=service-account-creator", sh.manager, nil).json(t, &list)
		if len(list) != 1 || list[0]["serviceAccountClientId"] != "creator" || fmt.Sprint(list[0]["access"]) != "map[manage:true]" {
			t.Errorf("service account = %v", list)
		}
		// query-users lists nothing but counts everyone.
		expect(t, "querier list", call(t, s, "GET", sh.base, sh.querier, nil), 200, `[]`)
		expect(t, "querier count", call(t, s, "GET", sh.base+"/count", sh.querier, nil), 200, `6`)
		expect(t, "bad max", call(t, s, "GET", sh.base+"?max=x", sh.viewer, nil), 404, "")
		var ids []map[string]any
		call(t, s, "GET", sh.base+"?username=alice&exact=true", sh.viewer, nil).json(t, &ids)
		expect(t, "search by id", call(t, s, "GET", sh.base+"?search=id:"+ids[0]["id"].(string), sh.viewer, nil), 200, "")
	})
}

func TestUserConcurrentCreates(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		sh := newShop(t, s)
		const n = 50
		statuses := make([]int, n)
		bodies := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := []rune("racer")
				for j := range name {
					if i>>j&1 == 1 {
						name[j] -= 'a' - 'A'
					}
				}
				r := call(t, s, "POST", sh.base, sh.manager, map[string]any{"username": string(name), "enabled": true})
				statuses[i], bodies[i] = r.status, strings.TrimSpace(string(r.body))
			}()
		}
		wg.Wait()
		created := 0
		for i := range n {
			switch {
			case statuses[i] == 201:
				created++
			case statuses[i] != 409 || bodies[i] != `{"errorMessage":"User exists with same username"}`:
				t.Errorf("create %d: %d %s", i, statuses[i], bodies[i])
			}
		}
		if created != 1 {
			t.Errorf("%d creates succeeded, want 1", created)
		}
		expect(t, "count", call(t, s, "GET", sh.base+"/count?username=racer", sh.manager, nil), 200, `1`)
	})
}

// Keycloak's username validators: case folds to one user; prohibited
// characters and look-alike letters are refused.
func TestUsernameUnicode(t *testing.T) {
	s := testenv.NewServer(t)
	sh := newShop(t, s)
	sh.create(t, sh.manager, map[string]any{"username": "admin2"})
	sh.create(t, sh.manager, map[string]any{"username": "élodie"})
	sh.create(t, sh.manager, map[string]any{"username": "Ωμεγα"})
	sh.create(t, sh.manager, map[string]any{"username": "user.name-1_x@corp"})
	invalid := `{"field":"username","errorMessage":"error-username-invalid-character","params":["username"]}`
	for _, tc := range []struct {
		name, username string
		status         int
		want           string
	}{
		{"case", "ADMIN2", 409, `{"errorMessage":"User exists with same username"}`},
		{"accented case", "ÉLODIE", 409, `{"errorMessage":"User exists with same username"}`},
		{"full-width letters", "ａｄｍｉｎ2", 400, invalid},
		{"cyrillic a among latin", "аdmin2", 400, invalid},
		{"greek omicron among latin", "rοot", 400, invalid},
		{"no-break space", "ad\u00a0min", 400, invalid},
		{"ideographic space", "ad\u3000min", 400, invalid},
		{"slash", "a/b/c", 400, invalid},
		{"colon", "a:bc", 400, invalid},
		{"control", "ab\u0007c", 400, invalid},
	} {
		expect(t, tc.name, call(t, s, "POST", sh.base, sh.manager, map[string]any{"username": tc.username}), tc.status, tc.want)
	}
	var names []string
	var list []map[string]any
	call(t, s, "GET", sh.base+"?max=-1", sh.manager, nil).json(t, &list)
	for _, u := range list {
		names = append(names, u["username"].(string))
	}
	sort.Strings(names)
	if got := strings.Join(names, " "); got != "admin2 boss mu user.name-1_x@corp élodie ωμεγα" {
		t.Errorf("users = %q", got)
	}
}
