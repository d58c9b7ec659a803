package registration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// realm builds a Keycloak RealmRepresentation for the tests: registration
// on, rate limits off (tests that measure them set their own), a public
// client "app" with direct access grants and web origins, a public client
// "web" without direct access grants, a disabled client "off". extra is
// spliced into the realm object (`"verifyEmail":true,`); attrs are added to
// the realm attributes.
func realm(name, extra string, attrs map[string]string) string {
	a := map[string]string{"registrationRateLimitPerAddress": "0", "registrationRateLimitPerRealm": "0"}
	for k, v := range attrs {
		a[k] = v
	}
	aj, _ := json.Marshal(a)
	return fmt.Sprintf(`{
  "realm": %q, "enabled": true, "registrationAllowed": true, %s
  "attributes": %s,
  "clients": [
    {"clientId": "app", "publicClient": true, "directAccessGrantsEnabled": true,
     "redirectUris": ["https://app.test/*"], "webOrigins": ["+"]},
    {"clientId": "web", "publicClient": true, "directAccessGrantsEnabled": false,
     "redirectUris": ["https://web.test/cb"], "webOrigins": ["https://web.test"]},
    {"clientId": "off", "publicClient": true, "enabled": false, "directAccessGrantsEnabled": true,
     "webOrigins": ["https://off.test"]}
  ]
}`, name, extra, aj)
}

// newServer starts a SQLite server with realm "demo" built by realm().
func newServer(t testing.TB, extra string, attrs map[string]string) *testenv.Server {
	t.Helper()
	s := testenv.NewServer(t)
	s.ImportRealm(realm("demo", extra, attrs))
	return s
}

func regURL(s *testenv.Server, realmName string) string {
	return s.URL + "/realms/" + realmName + "/protocol/openid-connect/registrations"
}

// response is a read answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("status %d, body is not a JSON object: %v\n%s", r.Status, err, r.Body)
	}
	return m
}

// do sends a request; headers are name/value pairs.
func do(t testing.TB, method, url string, body io.Reader, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// post sends a JSON registration body to realm "demo".
func post(t testing.TB, s *testenv.Server, body string, headers ...string) response {
	t.Helper()
	return postTo(t, s, "demo", body, headers...)
}

// postTo sends a JSON registration body to a realm.
func postTo(t testing.TB, s *testenv.Server, realmName, body string, headers ...string) response {
	t.Helper()
	return do(t, http.MethodPost, regURL(s, realmName), strings.NewReader(body),
		append([]string{"Content-Type", "application/json"}, headers...)...)
}

// body is a registration body with the given fields set on top of a valid
// one (nil deletes a field).
func body(fields map[string]any) string {
	m := map[string]any{"username": "jdoe", "email": "jdoe@example.com", "firstName": "John",
		"lastName": "Doe", "password": "Secret-pw-1"}
	for k, v := range fields {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// wantJSON compares a body with the expected JSON exactly (as values, so
// key order and spacing do not matter).
func wantJSON(t testing.TB, r response, status int, want string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	var got, exp any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.Body)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("body\n got %s\nwant %s", compact(r.Body), compact([]byte(want)))
	}
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

// users lists the people (not service accounts) of realm "demo".
func users(t testing.TB, s *testenv.Server) []model.User {
	t.Helper()
	return usersOf(t, s, "demo")
}

// usersOf lists the people of a realm.
func usersOf(t testing.TB, s *testenv.Server, realmName string) []model.User {
	t.Helper()
	r := s.Realm(realmName)
	us, err := s.Store.ListUsers(context.Background(), r.ID, store.UserQuery{Page: store.Page{Max: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return us
}

// userNamed loads a user of realm "demo" by username (nil when absent).
func userNamed(t testing.TB, s *testenv.Server, username string) *model.User {
	t.Helper()
	return userIn(t, s, "demo", username)
}

// userIn loads a user of a realm by username (nil when absent).
func userIn(t testing.TB, s *testenv.Server, realmName, username string) *model.User {
	t.Helper()
	u, err := s.Store.GetUserByUsername(context.Background(), s.Realm(realmName).ID, username)
	if err == store.ErrNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// events lists the stored events of realm "demo", newest first.
func events(t testing.TB, s *testenv.Server, types ...string) []model.Event {
	t.Helper()
	return eventsOf(t, s, "demo", types...)
}

// eventsOf lists the stored events of a realm, newest first.
func eventsOf(t testing.TB, s *testenv.Server, realmName string, types ...string) []model.Event {
	t.Helper()
	es, err := s.Store.ListEvents(context.Background(), s.Realm(realmName).ID,
		store.EventQuery{Types: types, Page: store.Page{Max: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return es
}
