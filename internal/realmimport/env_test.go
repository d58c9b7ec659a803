package realmimport

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestExpandString(t *testing.T) {
	env := envOf(map[string]string{"HOST": "id.example.com", "SECRET": `s"3\cr<e>t`, "EMPTY": "", "lower": "yes"})
	tests := []struct {
		in, want string
		missing  []string
	}{
		{"https://${HOST}/cb", "https://id.example.com/cb", nil},
		{"${SECRET}", `s"3\cr<e>t`, nil},
		{"${EMPTY:fallback}", "", nil}, // set but empty is set
		{"${UNSET:fallback}", "fallback", nil},
		{"${UNSET:}", "", nil},
		{"${UNSET:${HOST}}", "id.example.com", nil},
		{"${UNSET:a:b}", "a:b", nil},
		{"${env.HOST}", "id.example.com", nil},
		{"${lower}", "yes", nil},
		{"${UNSET}", "${UNSET}", []string{"UNSET"}},
		{"${env.unset}", "${env.unset}", []string{"unset"}},
		{"${A_1}-${B_2}", "${A_1}-${B_2}", []string{"A_1", "B_2"}},
		{"${UNSET:${ALSO_UNSET}}", "${ALSO_UNSET}", []string{"ALSO_UNSET"}},
		// Keycloak message keys and template text are left alone.
		{"${role_offline-access}", "${role_offline-access}", nil},
		{"${client_account}", "${client_account}", nil},
		{"${authBaseUrl}/x", "${authBaseUrl}/x", nil},
		{"${}", "${}", nil},
		{"${HOST", "${HOST", nil},
		{"$HOST {HOST}", "$HOST {HOST}", nil},
	}
	for _, tt := range tests {
		got, missing := expandString(tt.in, env)
		if got != tt.want || !slices.Equal(missing, tt.missing) {
			t.Errorf("expandString(%q) = %q, %q; want %q, %q", tt.in, got, missing, tt.want, tt.missing)
		}
	}
}

func TestLoadEnv(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.json": `{
  "realm": "${REALM_NAME:demo}",
  "clients": [{"clientId": "app", "secret": "${APP_SECRET}", "rootUrl": "${authBaseUrl}",
               "redirectUris": ["https://${APP_HOST}/*"]}],
  "${NOT_A_VALUE}": "keys are left alone"
}`})
	path := filepath.Join(dir, "a.json")

	files, err := Load(path, envOf(map[string]string{"APP_SECRET": `a"b\c`, "APP_HOST": "app.example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	r := files[0].Realm
	c := r.Clients[0]
	if r.Realm != "demo" || c.Secret != `a"b\c` || c.RedirectURIs[0] != "https://app.example.com/*" || c.RootURL != "${authBaseUrl}" {
		t.Errorf("realm %q secret %q redirect %q root %q", r.Realm, c.Secret, c.RedirectURIs, c.RootURL)
	}

	files, err = Load(path, envOf(map[string]string{"REALM_NAME": "prod", "APP_SECRET": "s", "APP_HOST": "h"}))
	if err != nil || files[0].Realm.Realm != "prod" {
		t.Errorf("realm from env: %v, %v", files, err)
	}

	_, err = Load(path, envOf(map[string]string{"APP_HOST": "h"}))
	want := path + ": clients[0].secret: environment variable APP_SECRET is not set (write ${APP_SECRET:default} to give a default)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}

	_, err = Load(path, noEnv)
	if err == nil || strings.Count(err.Error(), "\n") != 1 || !strings.Contains(err.Error(), "clients[0].redirectUris[0]: environment variable APP_HOST") {
		t.Errorf("both unset variables should be reported: %v", err)
	}
}
