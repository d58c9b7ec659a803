package adminapi_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

const evRealm = `{"realm":"ev","enabled":true,"eventsEnabled":true,"eventsListeners":["jboss-logging"],
 "adminEventsEnabled":true,"adminEventsDetailsEnabled":true,
 "users":[{"username":"alice","enabled":true,"credentials":[{"type":"password","value":"S3cret!pass"}]}]}`

func TestEventsAPI(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(evRealm)
		master := masterToken(t, s)
		rb := "/admin/realms/ev"
		var alice []struct{ ID string }
		call(t, s, "GET", rb+"/users?exact=true&username=alice", master, nil).json(t, &alice)
		aliceID := alice[0].ID
		// A failed and a good login: LOGIN_ERROR, then LOGIN.
		resp, err := http.PostForm(s.URL+"/realms/ev/protocol/openid-connect/token", url.Values{
			"grant_type": {"password"}, "client_id": {"admin-cli"}, "username": {"alice"}, "password": {"wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		sid := loginSession(t, s, "ev", "alice", "S3cret!pass")

		type event struct {
			ID, Type, RealmID, ClientID, UserID, SessionID, IPAddress, Error string
			Time                                                             int64
			Details                                                          map[string]string
		}
		var evs []event
		r := call(t, s, "GET", rb+"/events", master, nil)
		r.json(t, &evs)
		if r.status != 200 || len(evs) != 2 || evs[0].Type != "LOGIN" || evs[1].Type != "LOGIN_ERROR" {
			t.Fatalf("events: %d %s", r.status, r.body)
		}
		realmID := s.Realm("ev").ID
		if e := evs[0]; e.ID == "" || e.Time <= evs[1].Time-1000 || e.RealmID != realmID || e.ClientID != "admin-cli" ||
			e.UserID != aliceID || e.SessionID != sid || e.IPAddress != "127.0.0.1" || e.Error != "" {
			t.Errorf("LOGIN event: %+v", e)
		}
		if e := evs[1]; e.Error != "invalid_user_credentials" || e.Details["username"] != "alice" {
			t.Errorf("LOGIN_ERROR event: %+v", e)
		}
		count := func(query string) int {
			t.Helper()
			var list []event
			r := call(t, s, "GET", rb+"/events?"+query, master, nil)
			r.json(t, &list)
			if r.status != 200 {
				t.Fatalf("events?%s: %d %s", query, r.status, r.body)
			}
			return len(list)
		}
		for q, want := range map[string]int{"type=LOGIN": 1, "type=LOGIN&type=LOGIN_ERROR": 2, "type=REGISTER": 0,
			"client=admin-cli": 2, "client=other": 0, "user=" + aliceID: 2, "user=nobody": 0,
			"ipAddress=127.0.0.1": 2, "ipAddress=10.0.0.1": 0, "max=1": 1, "first=1": 1, "max=0": 0,
			"dateFrom=2000-01-01": 2, "dateTo=2000-01-01": 0, "dateFrom=2999-01-01": 0} {
			if n := count(q); n != want {
				t.Errorf("events?%s: %d events, want %d", q, n, want)
			}
		}
		expect(t, "bad dateFrom", call(t, s, "GET", rb+"/events?dateFrom=01/02/2024", master, nil), 400,
			`{"error":"Invalid value for 'Date(From)', expected format is yyyy-MM-dd","error_description":"`+kcHint+`"}`)
		expect(t, "bad dateTo", call(t, s, "GET", rb+"/events?dateTo=x", master, nil), 400,
			`{"error":"Invalid value for 'Date(To)', expected format is yyyy-MM-dd","error_description":"`+kcHint+`"}`)
		expect(t, "unknown type", call(t, s, "GET", rb+"/events?type=NOPE", master, nil), 400, "")

		// Admin events: the user creation, with the caller's details.
		r = call(t, s, "POST", rb+"/users", master, map[string]any{"username": "bob", "enabled": true})
		if r.status != 201 {
			t.Fatalf("create bob: %d %s", r.status, r.body)
		}
		var bob []struct{ ID string }
		call(t, s, "GET", rb+"/users?exact=true&username=bob", master, nil).json(t, &bob)
		var adminCli []struct{ ID string }
		call(t, s, "GET", "/admin/realms/master/clients?clientId=admin-cli", master, nil).json(t, &adminCli)
		var admins []struct{ ID string }
		call(t, s, "GET", "/admin/realms/master/users?exact=true&username="+testenv.AdminUser, master, nil).json(t, &admins)
		type adminEvent struct {
			ID, RealmID, OperationType, ResourceType, ResourcePath, Representation string
			Time                                                                   int64
			AuthDetails                                                            struct{ RealmID, ClientID, UserID, IPAddress string }
		}
		var aes []adminEvent
		r = call(t, s, "GET", rb+"/admin-events?operationTypes=CREATE&resourceTypes=USER", master, nil)
		r.json(t, &aes)
		if r.status != 200 || len(aes) != 1 {
			t.Fatalf("admin events: %d %s", r.status, r.body)
		}
		ae := aes[0]
		if ae.ID == "" || ae.Time == 0 || ae.RealmID != realmID || ae.ResourcePath != "users/"+bob[0].ID ||
			ae.Representation == "" || ae.AuthDetails.RealmID != s.Realm("master").ID ||
			ae.AuthDetails.ClientID != adminCli[0].ID || ae.AuthDetails.UserID != admins[0].ID ||
			ae.AuthDetails.IPAddress != "127.0.0.1" {
			t.Errorf("admin event: %s", r.body)
		}
		for q, want := range map[string]int{"resourcePath=users/" + bob[0].ID: 1, "resourcePath=users/*": 1,
			"resourcePath=clients/*": 0, "operationTypes=DELETE": 0, "authUser=" + admins[0].ID: 1,
			"authClient=" + adminCli[0].ID: 1, "authRealm=" + realmID: 0, "authIpAddress=127.0.0.1": 1,
			"dateTo=2000-01-01": 0} {
			var list []adminEvent
			call(t, s, "GET", rb+"/admin-events?"+q, master, nil).json(t, &list)
			if len(list) != want {
				t.Errorf("admin-events?%s: %d events, want %d", q, len(list), want)
			}
		}
		expect(t, "unknown operation type", call(t, s, "GET", rb+"/admin-events?operationTypes=READ", master, nil), 400, "")

		// Deleting: everything goes.
		expect(t, "DELETE events", call(t, s, "DELETE", rb+"/events", master, nil), 204, "")
		expect(t, "events after DELETE", call(t, s, "GET", rb+"/events", master, nil), 200, `[]`)
		expect(t, "DELETE admin-events", call(t, s, "DELETE", rb+"/admin-events", master, nil), 204, "")
		expect(t, "admin-events after DELETE", call(t, s, "GET", rb+"/admin-events", master, nil), 200, `[]`)
	})
}

const kcHint = "For more on this error consult the server log at the debug level."

func TestEventsConfig(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(evRealm)
		master := masterToken(t, s)
		path := "/admin/realms/ev/events/config"
		var cfg struct {
			EventsEnabled     bool
			EnabledEventTypes []string
		}
		r := call(t, s, "GET", path, master, nil)
		r.json(t, &cfg)
		// No types set: Keycloak's save-by-default types, REFRESH_TOKEN not
		// among them.
		if !cfg.EventsEnabled || len(cfg.EnabledEventTypes) != 85 || cfg.EnabledEventTypes[0] != "LOGIN" ||
			contains(cfg.EnabledEventTypes, "REFRESH_TOKEN") || contains(cfg.EnabledEventTypes, "PERMISSION_TOKEN_ERROR") {
			t.Errorf("default config: %s", r.body)
		}
		expect(t, "PUT", call(t, s, "PUT", path, master, map[string]any{"eventsEnabled": true,
			"eventsExpiration": 600, "enabledEventTypes": []string{"LOGIN", "LOGIN_ERROR", "LOGIN"}}), 204, "")
		expect(t, "GET after PUT", call(t, s, "GET", path, master, nil), 200, `{"eventsEnabled":true,
			"eventsExpiration":600,"eventsListeners":["jboss-logging"],"enabledEventTypes":["LOGIN","LOGIN_ERROR"],
			"adminEventsEnabled":true,"adminEventsDetailsEnabled":true}`)
		// Absent fields: eventsEnabled false and no expiry; the others kept.
		expect(t, "PUT details off", call(t, s, "PUT", path, master, map[string]any{"adminEventsDetailsEnabled": false}), 204, "")
		expect(t, "GET after PUT details off", call(t, s, "GET", path, master, nil), 200, `{"eventsEnabled":false,
			"eventsListeners":["jboss-logging"],"enabledEventTypes":["LOGIN","LOGIN_ERROR"],
			"adminEventsEnabled":true,"adminEventsDetailsEnabled":false}`)
		if r := s.Realm("ev"); r.EventsEnabled || r.EventsExpiration != 0 || !r.AdminEventsEnabled {
			t.Errorf("stored realm: %+v", r)
		}
		expect(t, "unknown type", call(t, s, "PUT", path, master, map[string]any{"enabledEventTypes": []string{"NOPE"}}),
			400, `{"error":"Invalid value for 'enabledEventTypes': NOPE","error_description":"`+kcHint+`"}`)
		expect(t, "not JSON", call(t, s, "PUT", path, master, "{"), 400,
			`{"error":"invalid_request","error_description":"Cannot parse the JSON"}`)
		// The change itself is an admin event (details off now: none).
		var aes []struct{ ResourcePath, OperationType, Representation string }
		call(t, s, "GET", "/admin/realms/ev/admin-events?resourcePath=events/config", master, nil).json(t, &aes)
		if len(aes) != 2 || aes[1].Representation == "" || aes[0].Representation != "" || aes[0].OperationType != "UPDATE" {
			t.Errorf("admin events of the config: %+v", aes)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
