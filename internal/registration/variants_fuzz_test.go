package registration_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// variantsProfile declares nickname and tier (users may edit them) and
// vipLevel (admins only).
const variantsProfile = `{"attributes":[
 {"name":"username","permissions":{"view":["admin","user"],"edit":["admin","user"]}},
 {"name":"email","validations":{"email":{}},"permissions":{"view":["admin","user"],"edit":["admin","user"]}},
 {"name":"firstName","permissions":{"view":["admin","user"],"edit":["admin","user"]}},
 {"name":"lastName","permissions":{"view":["admin","user"],"edit":["admin","user"]}},
 {"name":"nickname","validations":{"length":{"max":20}},"permissions":{"view":["admin","user"],"edit":["admin","user"]},"multivalued":true},
 {"name":"tier","validations":{"options":{"options":["free","pro"]}},"permissions":{"view":["user"],"edit":["user","admin"]}},
 {"name":"vipLevel","permissions":{"view":["admin"],"edit":["admin"]}}]}`

// FuzzRegisterVariants fuzzes what FuzzRegister keeps fixed: attributes
// (declared, admin-only, undeclared, reserved names, multi-valued),
// "login": true, the Content-Type (charset and other parameters, text,
// forms) and the Accept header. Besides FuzzRegister's invariants (no
// 5xx, refusals in the {"error","error_description"} shape, a user created
// exactly when the answer is 201), the user as stored never has what only
// the server or an admin may give: emailVerified, enabled=false, roles
// other than the realm's default, groups, credentials other than the one
// password, required actions other than the realm's, attributes the
// profile keeps from users; and tokens issued with login:true carry no
// role but the defaults.
//
//	go test ./internal/registration -run '^$' -fuzz FuzzRegisterVariants -fuzztime 60s
func FuzzRegisterVariants(f *testing.F) {
	s := testenv.NewServer(f)
	const cheap = `"passwordPolicy":"length(4) and hashAlgorithm(pbkdf2-sha256) and hashIterations(1)",
		"roles":{"realm":[{"name":"admin"}]},"groups":[{"name":"staff"}],`
	s.ImportRealm(realm("prof", cheap, map[string]string{"userProfileConfig": variantsProfile}))
	s.ImportRealm(realm("open", `"verifyEmail":true,`+cheap, map[string]string{"unmanagedAttributePolicy": "ENABLED"}))
	realms := []string{"prof", "open"}
	ids := map[string]string{}
	for _, r := range realms {
		ids[r] = s.Realm(r).ID
	}

	privileged := map[string]any{"emailVerified": true, "enabled": false, "realmRoles": []string{"admin"},
		"clientRoles": map[string][]string{"app": {"x"}}, "groups": []string{"/staff"},
		"credentials":     []map[string]any{{"type": "otp", "value": "123456"}, {"type": "password", "value": "other-pw"}},
		"requiredActions": []string{"CONFIGURE_TOTP"}, "federationLink": "ldap", "serviceAccountClientId": "app",
		"id": "00000000-0000-0000-0000-000000000000", "createdTimestamp": 1, "origin": "x", "access": map[string]bool{"manage": true}}
	seeds := []struct {
		body         string
		ctype, accpt string
	}{
		{body(map[string]any{"username": "variant1", "email": "variant1@example.com", "attributes": map[string][]string{
			"nickname": {"a", "b", "c"}, "tier": {"pro"}, "vipLevel": {"9"}, "undeclared": {"x"}}}), "", ""},
		{body(map[string]any{"username": "variant2", "email": "variant2@example.com", "login": true, "client_id": "app", "scope": "openid offline_access"}), "", ""},
		{body(merge(privileged, map[string]any{"username": "variant3", "email": "variant3@example.com"})), "", ""},
		{body(merge(privileged, map[string]any{"username": "variant4", "email": "variant4@example.com", "login": true, "client_id": "app"})), "", "application/json"},
		{body(map[string]any{"username": "variant5", "email": "variant5@example.com", "attributes": map[string][]string{
			"EMAIL_VERIFIED": {"true"}, "emailVerified": {"true"}, "Enabled": {"false"}, "username": {"root"},
			"saml.persistent.name.id.for.x": {"y"}, "LDAP_ID": {"1"}, "createTimestamp": {"1"}, "": {"e"}, "a\nb": {"c"},
			"requiredActions": {"x"}, "password": {"p"}, "ünï": {"ç", "", "\u202e"}}}), "", ""},
		{body(map[string]any{"username": "variant6", "email": "variant6@example.com"}), "application/json; charset=utf-8", "*/*"},
		{body(map[string]any{"username": "variant7", "email": "variant7@example.com"}), "application/json;charset=ISO-8859-1", "text/html"},
		{body(map[string]any{"username": "variant8", "email": "variant8@example.com"}), "Application/JSON; profile=x; q=1", "application/xml"},
		{body(map[string]any{"username": "variant9", "email": "variant9@example.com"}), "text/plain", ""},
		{"username=variant10&email=variant10%40example.com&password=pppp", "application/x-www-form-urlencoded", ""},
		{body(map[string]any{"username": "variant11"}), "multipart/form-data; boundary=x", ""},
		{body(map[string]any{"username": "variant12"}), "application/json; charset=\"", ""},
		{body(map[string]any{"username": "variant13"}), "application/jsonx", ""},
		{body(map[string]any{"username": "variant14"}), "application/vnd.api+json", ""},
		{`{"username":"variant15","email":"variant15@example.com","password":"pppp","attributes":{"nickname":[["x"]]}}`, "", ""},
		{`{"username":"variant16","email":"variant16@example.com","password":"pppp","attributes":{"tier":"pro"}}`, "", ""},
		{`{"username":"variant17","email":"variant17@example.com","password":"pppp","attributes":null,"login":null}`, "", ""},
		{`{"username":"variant18","email":"variant18@example.com","password":"pppp","login":1}`, "", ""},
		{`{"username":"variant19","email":"variant19@example.com","password":"pppp","attributes":{"a":[],"b":[""],"c":["` +
			strings.Repeat("x", 3000) + `"]}}`, "", ""},
	}
	for _, sd := range seeds {
		for i := range realms {
			f.Add([]byte(sd.body), sd.ctype, sd.accpt, uint8(i))
		}
	}
	count := func(t *testing.T, realmName string) int {
		n, err := s.Store.CountUsers(context.Background(), ids[realmName], store.UserQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	f.Fuzz(func(t *testing.T, raw []byte, contentType, accept string, sel uint8) {
		if !headerValue(contentType) || !headerValue(accept) {
			t.Skip("not a header value")
		}
		realmName := realms[int(sel)%len(realms)]
		if contentType == "" {
			contentType = "application/json"
		}
		headers := []string{"Content-Type", contentType}
		if accept != "" {
			headers = append(headers, "Accept", accept)
		}
		before := count(t, realmName)
		r := do(t, http.MethodPost, regURL(s, realmName), bytes.NewReader(raw), headers...)
		after := count(t, realmName)
		switch {
		case r.Status >= 500:
			t.Fatalf("%d %s for %q (%q, accept %q)", r.Status, r.Body, raw, contentType, accept)
		case r.Status == http.StatusCreated:
			if after != before+1 {
				t.Fatalf("201 but %d users before, %d after, for %q", before, after, raw)
			}
			m := r.json(t)
			if m["enabled"] != true || m["emailVerified"] != false {
				t.Fatalf("created %s from %q", r.Body, raw)
			}
			id, _ := m["id"].(string)
			checkCreated(t, s, realmName, ids[realmName], id, raw)
			if tokens, ok := m["tokens"].(map[string]any); ok {
				checkTokens(t, realmName, tokens, raw)
			}
		case r.Status >= 400:
			if after != before {
				t.Fatalf("%d but %d users before, %d after, for %q", r.Status, before, after, raw)
			}
			m := r.json(t)
			if e, _ := m["error"].(string); e == "" {
				t.Fatalf("error body %s for %q", r.Body, raw)
			}
			if d, _ := m["error_description"].(string); d == "" {
				t.Fatalf("error body %s for %q", r.Body, raw)
			}
		default:
			t.Fatalf("status %d for %q", r.Status, raw)
		}
	})
}

// checkCreated loads the new user from the store and checks that nothing
// privileged took effect.
func checkCreated(t *testing.T, s *testenv.Server, realmName, realmID, id string, raw []byte) {
	t.Helper()
	ctx := context.Background()
	u, err := s.Store.GetUser(ctx, realmID, id)
	if err != nil {
		t.Fatalf("created user %q: %v (body %q)", id, err, raw)
	}
	wantActions := []string{}
	if realmName == "open" {
		wantActions = []string{"VERIFY_EMAIL"}
	}
	if u.EmailVerified || !u.Enabled || u.ServiceAccountClientID != "" || u.NotBefore != 0 ||
		!slices.Equal(append([]string{}, u.RequiredActions...), wantActions) {
		t.Fatalf("stored %+v from %q", u, raw)
	}
	for name := range u.Attributes {
		if !attributeAllowed(realmName, name) {
			t.Fatalf("stored attribute %q (%v) from %q", name, u.Attributes, raw)
		}
	}
	roles, err := s.Store.ListUserRoles(ctx, realmID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 1 || roles[0].Name != "default-roles-"+realmName {
		t.Fatalf("role mappings %v from %q", roleNames(roles), raw)
	}
	groups, err := s.Store.ListUserGroups(ctx, realmID, u.ID, store.GroupQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 0 {
		t.Fatalf("groups %+v from %q", groups, raw)
	}
	creds, err := s.Store.ListCredentials(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 1 || creds[0].Type != "password" {
		t.Fatalf("credentials %+v from %q", creds, raw)
	}
}

// attributeAllowed: in "prof", the attributes the profile lets users
// edit; in "open" (unmanaged attributes enabled), any name but those
// Keycloak keeps read-only for users and the root fields.
func attributeAllowed(realmName, name string) bool {
	if realmName == "prof" {
		return name == "nickname" || name == "tier"
	}
	switch strings.ToLower(name) {
	case "", "kerberos_principal", "ldap_id", "ldap_entry_dn", "created_timestamp", "createtimestamp",
		"modifytimestamp", "usercertificate", "enabled", "email_verified", "disabledreason", "username",
		"email", "firstname", "lastname", "emailverified", "id", "createdtimestamp", "requiredactions",
		"credentials", "password":
		return false
	}
	return !strings.HasPrefix(strings.ToLower(name), "saml.persistent.name.id.for.") &&
		!strings.ContainsAny(name, "\x00\r\n")
}

// checkTokens: a token issued at registration carries the realm's
// default roles only.
func checkTokens(t *testing.T, realmName string, tokens map[string]any, raw []byte) {
	t.Helper()
	if realmName == "open" {
		t.Fatalf("tokens for a user who still has to verify email, from %q", raw)
	}
	at, _ := tokens["access_token"].(string)
	parts := strings.Split(at, ".")
	if len(parts) != 3 {
		t.Fatalf("access token %q from %q", at, raw)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		RealmAccess    struct{ Roles []string }            `json:"realm_access"`
		ResourceAccess map[string]struct{ Roles []string } `json:"resource_access"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.RealmAccess.Roles {
		if r != "offline_access" && r != "uma_authorization" && r != "default-roles-"+realmName {
			t.Fatalf("token with realm role %q from %q", r, raw)
		}
	}
	for client, ra := range c.ResourceAccess {
		for _, r := range ra.Roles {
			if client != "account" || (r != "manage-account" && r != "view-profile" && r != "manage-account-links") {
				t.Fatalf("token with role %s of %s from %q", r, client, raw)
			}
		}
	}
}

func roleNames(rs []model.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

// merge is a copy of a with b's fields on top.
func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// headerValue reports whether net/http's client would send s as a header
// value (no control characters but tab).
func headerValue(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f })
}
