package adminapi_test

import (
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/testenv"
)

func TestCredentialExtras(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(`{"realm":"cx","enabled":true,"users":[{"username":"alice","enabled":true,
			"credentials":[{"type":"password","value":"S3cret!pass"}]}]}`)
		master := masterToken(t, s)
		var users []struct{ ID string }
		call(t, s, "GET", "/admin/realms/cx/users?exact=true&username=alice", master, nil).json(t, &users)
		uid := users[0].ID
		ub := "/admin/realms/cx/users/" + uid
		ctx := t.Context()
		// Two more credentials to order (latchkey's API only sets passwords).
		for _, typ := range []string{"otp", "webauthn"} {
			if err := s.Store.CreateCredential(ctx, &model.Credential{UserID: uid, Type: typ, Priority: 50}); err != nil {
				t.Fatal(err)
			}
		}
		order := func() []string {
			t.Helper()
			creds, err := s.Store.ListCredentials(ctx, uid)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range creds {
				out = append(out, c.Type)
			}
			return out
		}
		idOf := func(typ string) string {
			creds, _ := s.Store.ListCredentials(ctx, uid)
			for _, c := range creds {
				if c.Type == typ {
					return c.ID
				}
			}
			t.Fatalf("no %s credential", typ)
			return ""
		}
		pw, otp, wa := idOf("password"), idOf("otp"), idOf("webauthn")
		if got := order(); got[0] != "password" {
			t.Fatalf("initial order %q", got)
		}
		expect(t, "moveToFirst", call(t, s, "POST", ub+"/credentials/"+wa+"/moveToFirst", master, nil), 204, "")
		if got := order(); got[0] != "webauthn" || got[1] != "password" || got[2] != "otp" {
			t.Errorf("after moveToFirst: %q", got)
		}
		expect(t, "moveAfter", call(t, s, "POST", ub+"/credentials/"+wa+"/moveAfter/"+otp, master, nil), 204, "")
		if got := order(); got[0] != "password" || got[1] != "otp" || got[2] != "webauthn" {
			t.Errorf("after moveAfter: %q", got)
		}
		expect(t, "moveAfter an unknown credential", call(t, s, "POST", ub+"/credentials/"+pw+"/moveAfter/nope", master, nil), 204, "")
		if got := order(); got[0] != "password" || got[2] != "webauthn" {
			t.Errorf("an unknown previous credential changed the order: %q", got)
		}
		expect(t, "move an unknown credential", call(t, s, "POST", ub+"/credentials/nope/moveToFirst", master, nil), 404,
			`{"error":"Credential not found","error_description":"`+kcHint+`"}`)

		// Labels: text/plain, not blank.
		expect(t, "label", call(t, s, "PUT", ub+"/credentials/"+pw+"/userLabel", master, plainText("My password")), 204, "")
		var creds []struct{ ID, UserLabel string }
		call(t, s, "GET", ub+"/credentials", master, nil).json(t, &creds)
		if len(creds) == 0 || creds[0].ID != pw || creds[0].UserLabel != "My password" {
			t.Errorf("credentials after label: %+v", creds)
		}
		expect(t, "blank label", call(t, s, "PUT", ub+"/credentials/"+pw+"/userLabel", master, plainText("  ")), 400,
			`{"error":"missingCredentialLabel","error_description":"Credential label must not be empty"}`)
		expect(t, "JSON label", call(t, s, "PUT", ub+"/credentials/"+pw+"/userLabel", master, `"x"`), 415, "")
		expect(t, "label of an unknown credential", call(t, s, "PUT", ub+"/credentials/nope/userLabel", master, plainText("x")), 404,
			`{"error":"Credential not found","error_description":"`+kcHint+`"}`)

		// disable-credential-types disables nothing for a local user, as
		// in Keycloak; the password still works.
		expect(t, "disable", call(t, s, "PUT", ub+"/disable-credential-types", master, []string{"otp", "password"}), 204, "")
		if got := order(); len(got) != 3 {
			t.Errorf("credentials after disable-credential-types: %q", got)
		}
		_ = loginSession(t, s, "cx", "alice", "S3cret!pass")
		expect(t, "disable, not JSON", call(t, s, "PUT", ub+"/disable-credential-types", master, "["), 400, "")
		expect(t, "user storage types", call(t, s, "GET", ub+"/configured-user-storage-credential-types", master, nil), 200, `[]`)
		expect(t, "unknown user", call(t, s, "GET", "/admin/realms/cx/users/nope/configured-user-storage-credential-types", master, nil),
			404, `{"error":"User not found","error_description":"`+kcHint+`"}`)
	})
}
