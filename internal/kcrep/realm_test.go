package kcrep

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

// TestRoundTrip decodes real Keycloak exports (see testdata/SOURCES.md),
// encodes them again and checks that nothing changed except the fields
// latchkey deliberately drops, and that no field was invented.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		file    string
		dropped []string // paths of non-empty input values absent from the output
	}{
		{"examples-realm.json", []string{"identityFederationEnabled"}},
		{"realm-b-realm.json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var rep RealmRepresentation
			if err := json.Unmarshal(in, &rep); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(&rep)
			if err != nil {
				t.Fatal(err)
			}
			var again RealmRepresentation
			if err := json.Unmarshal(out, &again); err != nil {
				t.Fatal(err)
			}
			// Raw sections are compacted by the first encoding, so compare
			// the second encoding with the first rather than the structs.
			out2, err := json.Marshal(&again)
			if err != nil || string(out2) != string(out) {
				t.Errorf("encode(decode(encode(rep))) differs from encode(rep): %v", err)
			}

			var orig, got any
			if err := json.Unmarshal(in, &orig); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			var dropped []string
			compare(t, "", orig, got, &dropped)
			sort.Strings(dropped)
			dropped = slices.Compact(dropped)
			if !slices.Equal(dropped, tt.dropped) {
				t.Errorf("dropped fields = %q, want %q", dropped, tt.dropped)
			}
		})
	}
}

// compare walks want (the input) and got (the re-encoded output): values
// must be equal, keys of got must exist in want, and non-empty keys of want
// missing from got are collected in dropped, with array indices as [].
func compare(t *testing.T, path string, want, got any, dropped *[]string) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: got %T, want an object", path, got)
			return
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				t.Errorf("%s: output has %q, which the input has not", path, k)
			}
		}
		for k, wv := range w {
			p := k
			if path != "" {
				p = path + "." + k
			}
			gv, ok := g[k]
			if !ok {
				if !isEmptyJSON(wv) {
					*dropped = append(*dropped, p)
				}
				continue
			}
			compare(t, p, wv, gv, dropped)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: got %v, want %v", path, got, want)
			return
		}
		for i := range w {
			compare(t, path+"[]", w[i], g[i], dropped)
		}
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			t.Errorf("%s: got %v, want %v", path, got, want)
		}
	}
}

func isEmptyJSON(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

func load(t *testing.T, file string) RealmRepresentation {
	t.Helper()
	in, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var rep RealmRepresentation
	if err := json.Unmarshal(in, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestDecodeExamplesRealm(t *testing.T) {
	rep := load(t, "examples-realm.json")
	if rep.Realm != "Examples" || rep.Enabled == nil || !*rep.Enabled {
		t.Errorf("realm = %q enabled = %v", rep.Realm, rep.Enabled)
	}
	if rep.LoginWithEmailAllowed != nil {
		t.Error("loginWithEmailAllowed is absent from the file and must stay nil so a default applies")
	}
	u := rep.Users[0]
	c := u.Credentials[0]
	if c.HashedSaltedValue == "" || c.Salt != "uP98vzC7rZadMl1oB1YESg==" || c.HashIterations == nil || *c.HashIterations != 1 {
		t.Errorf("legacy credential = %+v", c)
	}
	if got := u.ClientRoles["account"]; !slices.Equal(got, []string{"view-profile", "manage-account"}) {
		t.Errorf("clientRoles.account = %q", got)
	}
	admin := rep.Roles.Client["realm-management"][1]
	if admin.Name != "realm-admin" || len(admin.Composites.Client["realm-management"]) != 12 {
		t.Errorf("realm-admin composites = %+v", admin.Composites)
	}
	if !slices.Equal(rep.DefaultRoles, []string{"offline_access"}) {
		t.Errorf("defaultRoles = %q", rep.DefaultRoles)
	}
	want := []string{"authenticationFlows", "authenticatorConfig", "clientScopeMappings",
		"clients[].protocolMappers", "requiredActions"}
	if got := rep.UnmodelledSections(); !slices.Equal(got, want) {
		t.Errorf("UnmodelledSections = %q, want %q", got, want)
	}
}

func TestDecodeRealmB(t *testing.T) {
	rep := load(t, "realm-b-realm.json")
	sa := rep.Users[2]
	if sa.ServiceAccountClientID != "realm-b-client" || sa.CreatedTimestamp == nil || *sa.CreatedTimestamp != 1580243010903 {
		t.Errorf("service account = %+v", sa)
	}
	if sa.Credentials == nil || len(sa.Credentials) != 0 {
		t.Errorf("credentials [] must decode to an empty, non-nil slice: %#v", sa.Credentials)
	}
	if rep.WebAuthnPolicyRpID == nil || *rep.WebAuthnPolicyRpID != "" {
		t.Error("webAuthnPolicyRpId \"\" must survive")
	}
	want := []string{"authenticationFlows", "clientScopeMappings", "clientScopes",
		"clients[].authorizationSettings", "clients[].protocolMappers", "components", "scopeMappings"}
	if got := rep.UnmodelledSections(); !slices.Equal(got, want) {
		t.Errorf("UnmodelledSections = %q, want %q", got, want)
	}
}

func TestUnmodelledSections(t *testing.T) {
	tests := []struct {
		json string
		want []string
	}{
		{`{"realm":"a"}`, nil},
		{`{"clientScopes":[],"components":{},"identityProviders":null,"browserFlow":"browser"}`, nil},
		{`{"browserFlow":"my browser","identityProviders":[{"alias":"github"}]}`, []string{"browserFlow", "identityProviders"}},
		{`{"groups":[{"name":"staff"}],"users":[{"username":"a","groups":["/staff"],"federatedIdentities":[{"identityProvider":"github"}]}]}`,
			[]string{"users[].federatedIdentities"}},
		{`{"localizationTexts":{"en":{"k":"v"}},"organizations":[{"name":"o"}]}`, []string{"localizationTexts", "organizations"}},
	}
	for _, tt := range tests {
		var rep RealmRepresentation
		if err := json.Unmarshal([]byte(tt.json), &rep); err != nil {
			t.Fatal(err)
		}
		if got := rep.UnmodelledSections(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.json, got, tt.want)
		}
	}
}

// TestMarshalOmitsNil checks that an empty representation marshals to {}
// and that an empty, non-nil list is kept, as Keycloak writes it.
func TestMarshalOmitsNil(t *testing.T) {
	b, err := json.Marshal(RealmRepresentation{})
	if err != nil || string(b) != "{}" {
		t.Errorf("empty realm = %s, %v", b, err)
	}
	b, _ = json.Marshal(ClientRepresentation{ClientID: "x", RedirectURIs: []string{}})
	if string(b) != `{"clientId":"x","redirectUris":[]}` {
		t.Errorf("client = %s", b)
	}
}
