package adminapi_test

import (
	"crypto/x509"
	"encoding/base64"
	"slices"
	"testing"

	"github.com/latchkey/latchkey/internal/adminapi"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/testenv"
)

func TestKeysMetadata(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(`{"realm":"kr","enabled":true}`)
		master := masterToken(t, s)
		var md struct {
			Active map[string]string
			Keys   []struct {
				ProviderID, Kid, Status, Type, Algorithm, PublicKey, Certificate, Use string
				ProviderPriority, ValidTo                                             int64
				PrivateKey                                                            any
			}
		}
		r := call(t, s, "GET", "/admin/realms/kr/keys", master, nil)
		r.json(t, &md)
		if r.status != 200 || len(md.Keys) != 2 || len(md.Active) != 2 {
			t.Fatalf("keys: %d %s", r.status, r.body)
		}
		stored, err := s.Store.ListKeys(t.Context(), s.Realm("kr").ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, k := range md.Keys {
			sk := stored[i]
			if k.Kid != sk.ID || k.ProviderID != sk.ID || k.Algorithm != sk.Algorithm || k.Status != "ACTIVE" ||
				k.Use != "SIG" || md.Active[k.Algorithm] != k.Kid || k.PrivateKey != nil {
				t.Errorf("key %d: %+v", i, k)
			}
			switch k.Algorithm {
			case "RS256":
				der, err := base64.StdEncoding.DecodeString(k.PublicKey)
				if _, perr := x509.ParsePKIXPublicKey(der); err != nil || perr != nil || k.Type != "RSA" {
					t.Errorf("RS256 key: %+v", k)
				}
				cert, err := base64.StdEncoding.DecodeString(k.Certificate)
				c, cerr := x509.ParseCertificate(cert)
				if err != nil || cerr != nil || k.ValidTo != c.NotAfter.UnixMilli() {
					t.Errorf("RS256 certificate: %+v", k)
				}
			case "HS512":
				if k.Type != "OCT" || k.PublicKey != "" || k.Certificate != "" {
					t.Errorf("HS512 key shows a secret or a public key: %+v", k)
				}
			}
		}
		for _, c := range []string{"clear-realm-cache", "clear-user-cache", "clear-keys-cache"} {
			expect(t, c, call(t, s, "POST", "/admin/realms/kr/"+c, master, nil), 204, "")
		}
		expect(t, "credential-registrators", call(t, s, "GET", "/admin/realms/kr/credential-registrators", master, nil),
			200, `["UPDATE_PASSWORD"]`)
	})
}

func TestServerInfo(t *testing.T) {
	if got, want := adminapi.PasswordPolicyTypeIDs(), policy.IDs(); !slices.Equal(got, want) {
		t.Errorf("serverinfo describes policies %q, internal/policy implements %q", got, want)
	}
	s := testenv.NewServer(t)
	master := masterToken(t, s)
	var info struct {
		SystemInfo       struct{ Version string }
		ProfileInfo      struct{ Name string }
		Themes           map[string]any
		PasswordPolicies []struct {
			ID, DisplayName, ConfigType, DefaultValue string
			MultipleSupported                         bool
		}
		Enums     map[string][]string
		Providers map[string]struct{ Providers map[string]any }
	}
	r := call(t, s, "GET", "/admin/serverinfo", master, nil)
	r.json(t, &info)
	if r.status != 200 || info.SystemInfo.Version == "" || info.ProfileInfo.Name != "community" || len(info.Themes) != 0 ||
		len(info.PasswordPolicies) != len(policy.IDs()) || !slices.Contains(info.Enums["eventType"], "LOGIN") ||
		!slices.Contains(info.Enums["resourceType"], "USER") || info.Providers["required-action"].Providers["UPDATE_PASSWORD"] == nil {
		t.Fatalf("serverinfo: %d %s", r.status, r.body)
	}
	for _, p := range info.PasswordPolicies {
		if p.ID == "length" && (p.DisplayName != "Minimum Length" || p.ConfigType != "int" || p.DefaultValue != "8" || p.MultipleSupported) {
			t.Errorf("length policy: %+v", p)
		}
		if p.ID == "regexPattern" && !p.MultipleSupported {
			t.Errorf("regexPattern policy: %+v", p)
		}
		// Every int default is a value the policy accepts.
		if p.ConfigType == "int" {
			if _, err := policy.Parse(p.ID+"("+p.DefaultValue+")", policy.Options{}); err != nil {
				t.Errorf("default of %s: %v", p.ID, err)
			}
		}
	}
	expect(t, "no token", call(t, s, "GET", "/admin/serverinfo", "", nil), 401, body401)
}
