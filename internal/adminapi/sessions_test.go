package adminapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/testenv"
)

const sessRealm = `{"realm":"ss","enabled":true,
 "clients":[{"clientId":"web","publicClient":true,"directAccessGrantsEnabled":true}],
 "users":[{"username":"alice","enabled":true,"credentials":[{"type":"password","value":"S3cret!pass"}]},
  {"username":"bob","enabled":true,"credentials":[{"type":"password","value":"S3cret!pass"}]}]}`

// login returns the access token and the session id of a password login.
func login(t *testing.T, s *testenv.Server, realm, client, user string) (string, string) {
	t.Helper()
	resp, err := http.PostForm(s.URL+"/realms/"+realm+"/protocol/openid-connect/token", url.Values{
		"grant_type": {"password"}, "client_id": {client}, "username": {user}, "password": {"S3cret!pass"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken  string `json:"access_token"`
		SessionState string `json:"session_state"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
		t.Fatalf("login %s: %d %s", user, resp.StatusCode, b)
	}
	return out.AccessToken, out.SessionState
}

// userinfo answers the status of the userinfo endpoint for a token.
func userinfo(t *testing.T, s *testenv.Server, realm, tok string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/realms/"+realm+"/protocol/openid-connect/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// nextSecond waits until the clock has passed the second a token was
// issued in: notBefore is whole seconds and a token issued in the same
// second as it stays valid (Keycloak compares iat < notBefore).
func nextSecond(issued time.Time) {
	for time.Now().Unix() <= issued.Unix() {
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSessionsAPI(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(sessRealm)
		master := masterToken(t, s)
		rb := "/admin/realms/ss"
		id := func(path string) string {
			var list []struct{ ID string }
			call(t, s, "GET", rb+path, master, nil).json(t, &list)
			return list[0].ID
		}
		aliceID, bobID := id("/users?exact=true&username=alice"), id("/users?exact=true&username=bob")
		webID, cliID := id("/clients?clientId=web"), id("/clients?clientId=admin-cli")
		_, s1 := login(t, s, "ss", "web", "alice")
		_, s2 := login(t, s, "ss", "admin-cli", "alice")
		_, s3 := login(t, s, "ss", "web", "bob")

		type sess struct {
			ID, Username, UserID, IPAddress string
			Start, LastAccess               int64
			RememberMe                      bool
			Clients                         map[string]string
		}
		var list []sess
		r := call(t, s, "GET", rb+"/users/"+aliceID+"/sessions", master, nil)
		r.json(t, &list)
		if r.status != 200 || len(list) != 2 || list[0].ID != s1 || list[1].ID != s2 {
			t.Fatalf("alice's sessions: %d %s", r.status, r.body)
		}
		if l := list[0]; l.Username != "alice" || l.UserID != aliceID || l.IPAddress != "127.0.0.1" ||
			l.Start == 0 || l.Start%1000 != 0 || l.LastAccess < l.Start || l.RememberMe ||
			fmt.Sprint(l.Clients) != fmt.Sprint(map[string]string{webID: "web"}) {
			t.Errorf("session rep: %s", r.body)
		}
		if fmt.Sprint(list[1].Clients) != fmt.Sprint(map[string]string{cliID: "admin-cli"}) {
			t.Errorf("second session's clients: %s", r.body)
		}
		r = call(t, s, "GET", rb+"/clients/"+webID+"/user-sessions", master, nil)
		r.json(t, &list)
		if r.status != 200 || len(list) != 2 || list[0].ID != s1 || list[1].ID != s3 || list[1].Username != "bob" {
			t.Errorf("web's sessions: %d %s", r.status, r.body)
		}
		r = call(t, s, "GET", rb+"/clients/"+webID+"/user-sessions?first=1&max=1", master, nil)
		r.json(t, &list)
		if len(list) != 1 || list[0].ID != s3 {
			t.Errorf("web's second session: %s", r.body)
		}
		expect(t, "session-count", call(t, s, "GET", rb+"/clients/"+webID+"/session-count", master, nil), 200, `{"count":2}`)
		expect(t, "unknown client", call(t, s, "GET", rb+"/clients/nope/session-count", master, nil), 404,
			`{"error":"Could not find client","error_description":"`+kcHint+`"}`)

		// Ending one session.
		expect(t, "DELETE session", call(t, s, "DELETE", rb+"/sessions/"+s1, master, nil), 204, "")
		expect(t, "DELETE it again", call(t, s, "DELETE", rb+"/sessions/"+s1, master, nil), 404,
			`{"error":"Sesssion not found","error_description":"`+kcHint+`"}`)
		expect(t, "session-count after", call(t, s, "GET", rb+"/clients/"+webID+"/session-count", master, nil), 200, `{"count":1}`)

		// Logging a user out: sessions end and older tokens stop working.
		tok, _ := login(t, s, "ss", "web", "bob")
		issued := time.Now()
		if st := userinfo(t, s, "ss", tok); st != 200 {
			t.Fatalf("userinfo before logout: %d", st)
		}
		nextSecond(issued)
		expect(t, "logout bob", call(t, s, "POST", rb+"/users/"+bobID+"/logout", master, nil), 204, "")
		expect(t, "bob's sessions", call(t, s, "GET", rb+"/users/"+bobID+"/sessions", master, nil), 200, `[]`)
		if st := userinfo(t, s, "ss", tok); st != 401 {
			t.Errorf("userinfo with a token older than bob's notBefore: %d, want 401", st)
		}
		if tok2, _ := login(t, s, "ss", "web", "bob"); userinfo(t, s, "ss", tok2) != 200 {
			t.Errorf("a new login after logout does not work")
		}
		expect(t, "logout unknown user", call(t, s, "POST", rb+"/users/nope/logout", master, nil), 404,
			`{"error":"User not found","error_description":"`+kcHint+`"}`)
	})
}

// svcClient and svcUser add a service account holding view-users to
// sessRealm.
const (
	svcClient = `"clients":[{"clientId":"svc","publicClient":false,"secret":"svc-secret",
 "serviceAccountsEnabled":true,"standardFlowEnabled":false},`
	svcUser = `"users":[{"username":"service-account-svc","serviceAccountClientId":"svc","enabled":true,
  "clientRoles":{"realm-management":["view-users"]}},`
)

func TestLogoutAll(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(strings.NewReplacer(`"clients":[`, svcClient, `"users":[`, svcUser).Replace(sessRealm))
		s.ImportRealm(strings.Replace(sessRealm, `"realm":"ss"`, `"realm":"other"`, 1))
		master := masterToken(t, s)
		// A service account's token has no session: only notBefore can
		// stop it.
		svc := serviceToken(t, s, "ss", "svc", "svc-secret")
		expect(t, "service account before", call(t, s, "GET", "/admin/realms/ss/users/count", svc, nil), 200, "2")
		alice, _ := login(t, s, "ss", "web", "alice")
		bob, _ := login(t, s, "ss", "admin-cli", "bob")
		elsewhere, _ := login(t, s, "other", "web", "alice")
		issued := time.Now()
		nextSecond(issued)
		r := call(t, s, "POST", "/admin/realms/ss/logout-all", master, nil)
		expect(t, "logout-all", r, 200, `{}`)
		if nb := s.Realm("ss").NotBefore; int64(nb) <= issued.Unix() {
			t.Errorf("realm notBefore %d, want after %d", nb, issued.Unix())
		}
		for name, tok := range map[string]string{"alice": alice, "bob": bob} {
			if st := userinfo(t, s, "ss", tok); st != 401 {
				t.Errorf("%s's old token after logout-all: %d, want 401", name, st)
			}
		}
		expect(t, "service account's old token", call(t, s, "GET", "/admin/realms/ss/users/count", svc, nil), 401, body401)
		if st := userinfo(t, s, "other", elsewhere); st != 200 {
			t.Errorf("a token of another realm after logout-all: %d, want 200", st)
		}
		var webs []struct{ ID string }
		call(t, s, "GET", "/admin/realms/ss/clients?clientId=web", master, nil).json(t, &webs)
		expect(t, "sessions left", call(t, s, "GET", "/admin/realms/ss/clients/"+webs[0].ID+"/session-count", master, nil),
			200, `{"count":0}`)
		if tok, _ := login(t, s, "ss", "web", "alice"); userinfo(t, s, "ss", tok) != 200 {
			t.Errorf("a new login after logout-all does not work")
		}
	})
}
