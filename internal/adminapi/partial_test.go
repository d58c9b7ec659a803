package adminapi_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

func TestPartialImportExport(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(`{"realm":"pi","enabled":true,"clients":[{"clientId":"app","publicClient":false,"secret":"app-secret-1"}],
		  "roles":{"realm":[{"name":"existing"}]}}`)
		tok := masterToken(t, s)
		base := "/admin/realms/pi"
		body := map[string]any{"ifResourceExists": "FAIL",
			"roles": map[string]any{"realm": []map[string]string{{"name": "fresh"}, {"name": "existing"}}}}
		expect(t, "FAIL on an existing role", call(t, s, "POST", base+"/partialImport", tok, body), 409,
			`{"errorMessage":"Realm role 'existing' already exists."}`)
		expect(t, "nothing written", call(t, s, "GET", base+"/roles/fresh", tok, nil), 404, "")

		body["ifResourceExists"] = "SKIP"
		body["users"] = []map[string]any{{"username": "pu", "enabled": true,
			"credentials": []map[string]any{{"type": "password", "value": "Partial-pw-1"}}}}
		var res struct {
			Added, Skipped, Overwritten int
			Results                     []map[string]string
		}
		r := call(t, s, "POST", base+"/partialImport", tok, body)
		expect(t, "SKIP", r, 200, "")
		r.json(t, &res)
		if res.Added != 2 || res.Skipped != 1 || res.Overwritten != 0 || len(res.Results) != 3 {
			t.Errorf("results = %+v", res)
		}
		token(t, s, "pi", "admin-cli", "pu", "Partial-pw-1") // the imported user logs in

		expect(t, "bad policy value", call(t, s, "POST", base+"/partialImport", tok, map[string]any{"ifResourceExists": "skip"}), 400, "")
		expect(t, "unknown client's roles", call(t, s, "POST", base+"/partialImport", tok, map[string]any{"ifResourceExists": "SKIP",
			"roles": map[string]any{"client": map[string]any{"ghost": []map[string]string{{"name": "x"}}}}}), 412,
			`{"errorMessage":"Can not import client roles for nonexistent client named ghost"}`)

		r = call(t, s, "POST", base+"/partial-export?exportClients=true&exportGroupsAndRoles=true", tok, nil)
		expect(t, "export", r, 200, "")
		out := string(r.body)
		if strings.Contains(out, "app-secret-1") || !strings.Contains(out, `"clientId":"app"`) ||
			!strings.Contains(out, `"name":"fresh"`) || strings.Contains(out, `"username":"pu"`) {
			t.Errorf("partial export: secrets must be masked, users left out:\n%.600s", out)
		}
	})
}
