package adminapi_test

import (
	"context"
	"fmt"
	"github.com/latchkey/latchkey/internal/store"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

const hint = `"error_description":"For more on this error consult the server log at the debug level."`

func TestUserPasswordsAndCredentials(t *testing.T) {
	s := testenv.NewServer(t)
	sh := newShop(t, s)
	id := sh.create(t, sh.creator, map[string]any{"username": "pat", "email": "pat@example.com", "enabled": true,
		"credentials": []map[string]any{{"type": "password", "value": "first-password"}}})
	login := func(pw string) int {
		resp, err := http.PostForm(s.URL+"/realms/shop/protocol/openid-connect/token", url.Values{"grant_type": {"password"},
			"client_id": {"app"}, "username": {"pat"}, "password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := login("first-password"); st != 200 {
		t.Fatalf("login with the created password: %d", st)
	}
	path := sh.base + "/" + id + "/reset-password"
	for _, tc := range []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"no body", nil, 400, `{"error":"No password provided",` + hint + `}`},
		{"no value", map[string]any{"type": "password"}, 400, `{"error":"No password provided",` + hint + `}`},
		{"blank", map[string]any{"value": "  "}, 400, `{"error":"Empty password not allowed",` + hint + `}`},
		{"policy", map[string]any{"value": "short"}, 400, `{"error":"invalidPasswordMinLengthMessage","error_description":"Invalid password: minimum length 8."}`},
		{"not username", map[string]any{"value": "pat"}, 400, `{"error":"invalidPasswordMinLengthMessage","error_description":"Invalid password: minimum length 8."}`},
		{"temporary", map[string]any{"type": "password", "value": "second-password", "temporary": true}, 204, ""},
	} {
		expect(t, tc.name, call(t, s, "PUT", path, sh.manager, tc.body), tc.status, tc.want)
	}
	var u map[string]any
	call(t, s, "GET", sh.base+"/"+id, sh.manager, nil).json(t, &u)
	if fmt.Sprint(u["requiredActions"]) != "[UPDATE_PASSWORD]" {
		t.Errorf("after a temporary reset: %v", u["requiredActions"])
	}
	if st := login("second-password"); st != 400 {
		t.Errorf("login with a temporary password: %d, want 400 (account not fully set up)", st)
	}
	expect(t, "permanent", call(t, s, "PUT", path, sh.manager, map[string]any{"value": "third-password"}), 204, "")
	u = nil
	call(t, s, "GET", sh.base+"/"+id, sh.manager, nil).json(t, &u)
	if fmt.Sprint(u["requiredActions"]) != "[]" {
		t.Errorf("after a permanent reset: %v", u["requiredActions"])
	}
	if st := login("third-password"); st != 200 {
		t.Errorf("login with the reset password: %d", st)
	}
	if st := login("first-password"); st != 401 {
		t.Errorf("login with the old password: %d", st)
	}

	// Credentials are listed without secrets.
	r := call(t, s, "GET", sh.base+"/"+id+"/credentials", sh.viewer, nil)
	var creds []map[string]any
	r.json(t, &creds)
	if len(creds) != 1 || creds[0]["type"] != "password" || creds[0]["secretData"] != nil ||
		strings.Contains(string(r.body), "value") || !strings.Contains(fmt.Sprint(creds[0]["credentialData"]), "algorithm") {
		t.Errorf("credentials = %s", r.body)
	}
	cid := creds[0]["id"].(string)
	expect(t, "viewer deletes credential", call(t, s, "DELETE", sh.base+"/"+id+"/credentials/"+cid, sh.viewer, nil), 403, body403)
	expect(t, "delete unknown credential", call(t, s, "DELETE", sh.base+"/"+id+"/credentials/nope", sh.manager, nil), 404,
		`{"error":"Credential not found",`+hint+`}`)
	expect(t, "delete credential", call(t, s, "DELETE", sh.base+"/"+id+"/credentials/"+cid, sh.manager, nil), 204, "")
	expect(t, "no credentials", call(t, s, "GET", sh.base+"/"+id+"/credentials", sh.viewer, nil), 200, `[]`)
	if st := login("third-password"); st != 401 {
		t.Errorf("login after the credential was deleted: %d", st)
	}

	// An exported hash is stored as it is and verifies.
	sh.create(t, sh.manager, map[string]any{"username": "imported", "enabled": true,
		"credentials": []map[string]any{{"type": "password",
			"secretData":     `{"value":"B5QOhGwS5k0a6OiFKKR1OG0OB2YOhnRRSrdGxdgkS8I=","salt":"6qDkcHMd6RGMp3uz3pJlhQ==","additionalParameters":{}}`,
			"credentialData": `{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}`}}})
	expect(t, "unknown hash algorithm", call(t, s, "POST", sh.base, sh.manager, map[string]any{"username": "weird",
		"credentials": []map[string]any{{"type": "password", "secretData": `{"value":"x","salt":""}`,
			"credentialData": `{"hashIterations":1,"algorithm":"md5"}`}}}), 400, "")
}

func TestUserEmails(t *testing.T) {
	s := testenv.NewServer(t)
	sh := newShop(t, s)
	withMail := sh.create(t, sh.manager, map[string]any{"username": "mailer", "email": "m@example.com", "enabled": true})
	noMail := sh.create(t, sh.manager, map[string]any{"username": "nomail", "enabled": true})
	disabled := sh.create(t, sh.manager, map[string]any{"username": "off", "email": "off@example.com"})
	verify := func(id, query string) response {
		return call(t, s, "PUT", sh.base+"/"+id+"/send-verify-email"+query, sh.manager, nil)
	}
	em := func(msg string) string { return `{"errorMessage":"` + msg + `"}` }
	expect(t, "no email", verify(noMail, ""), 400, em("User email missing"))
	expect(t, "disabled", verify(disabled, ""), 400, em("User is disabled"))
	expect(t, "redirect without client", verify(withMail, "?redirect_uri=https://app.test/x"), 400, em("Client id missing"))
	expect(t, "unknown client", verify(withMail, "?client_id=nope"), 400, em("Client doesn't exist"))
	expect(t, "disabled client", verify(withMail, "?client_id=off"), 400, em("Client is not enabled"))
	expect(t, "bad redirect", verify(withMail, "?client_id=app&redirect_uri=https://evil.test/"), 400, em("Invalid redirect uri."))
	expect(t, "bad lifespan", verify(withMail, "?lifespan=soon"), 404, "")
	expect(t, "sent", verify(withMail, "?client_id=app&redirect_uri=https://app.test/done&lifespan=600"), 204, "")
	expect(t, "viewer", call(t, s, "PUT", sh.base+"/"+withMail+"/send-verify-email", sh.viewer, nil), 403, body403)

	actions := sh.base + "/" + withMail + "/execute-actions-email"
	expect(t, "invalid action", call(t, s, "PUT", actions, sh.manager, []string{"UPDATE_PASSWORD", "FLY"}), 400, em("Provided invalid required actions"))
	expect(t, "actions sent", call(t, s, "PUT", actions, sh.manager, []string{"UPDATE_PASSWORD"}), 204, "")
	// Both mails are in the outbox, to the user's address, with Keycloak's
	// subjects and the link the parameters asked for.
	msgs, err := s.Store.ListMessages(context.Background(), s.Realm("shop").ID, "m@example.com", store.Page{})
	if err != nil || len(msgs) != 2 {
		t.Fatalf("outbox: %d messages, %v", len(msgs), err)
	}
	if msgs[0].Subject != "Update Your Account" || msgs[1].Subject != "Verify email" ||
		!strings.Contains(msgs[1].Text, "/realms/shop/login-actions/action-token?key=") ||
		!strings.Contains(msgs[1].Text, "10 minutes") {
		t.Errorf("mails: %q / %q\n%s", msgs[0].Subject, msgs[1].Subject, msgs[1].Text)
	}
	expect(t, "actions, no email", call(t, s, "PUT", sh.base+"/"+noMail+"/execute-actions-email", sh.manager, []string{"UPDATE_PASSWORD"}), 400, em("User email missing"))
}
