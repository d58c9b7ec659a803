package registration_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// FuzzRegister posts arbitrary bodies to a real server (SQLite, cheap
// hashing, rate limits off) and checks the invariants: never a 5xx (a
// panic is answered 500 by the middleware, so it is caught too), every
// refusal in the {"error","error_description"} shape, and a user is
// created exactly when the answer is 201.
//
//	go test ./internal/registration -run '^$' -fuzz FuzzRegister -fuzztime 60s
func FuzzRegister(f *testing.F) {
	seeds := []string{
		body(nil),
		body(map[string]any{"username": "Fuzz", "email": "Fuzz@Example.com", "login": true, "client_id": "app"}),
		body(map[string]any{"username": "\u0430dmin"}),
		body(map[string]any{"username": "admin\u200b"}),
		body(map[string]any{"attributes": map[string]any{"a": []string{"b"}, "EMAIL_VERIFIED": []string{"true"}}}),
		body(map[string]any{"emailVerified": true, "enabled": false, "requiredActions": []string{}, "id": "x", "createdTimestamp": 1}),
		`{}`, ``, `null`, `[]`, `"x"`, `{"username":123}`, `{"username":"a","username":"b"}`,
		`{"a":[[[[[[[[[[[]]]]]]]]]]]}`, "{\n\"username\" \"x\"}", `{} {}`, `{"login":"yes"}`,
		`{"attributes":{"a":"b"}}`, `{"attributes":{"a":[1]}}`, "{\"username\":\"\xff\"}",
		`{"username":"x","email":"x@","password":"` + strings.Repeat("p", 1100) + `"}`,
		`{"client_id":"off","username":"offc","email":"o@example.com","firstName":"a","lastName":"b","password":"pppp"}`,
		`{"client_id":"nobody"}`, `{"username":"\u0000"}`, `{"username":"\ud800"}`, `{"email":"a@b@c"}`,
	}
	for i, sd := range seeds {
		f.Add([]byte(sd), uint8(i))
	}
	s := testenv.NewServer(f)
	const cheap = `"passwordPolicy":"length(4) and notUsername and hashAlgorithm(pbkdf2-sha256) and hashIterations(1)",`
	s.ImportRealm(realm("demo", cheap, nil))
	s.ImportRealm(realm("emailname", `"registrationEmailAsUsername":true,`+cheap, nil))
	s.ImportRealm(realm("unmanaged", `"verifyEmail":true,`+cheap, map[string]string{"unmanagedAttributePolicy": "ENABLED",
		"registrationEmailDomainDenyList": "spam.test"}))
	realms := []string{"demo", "emailname", "unmanaged"}
	ids := map[string]string{}
	for _, r := range realms {
		ids[r] = s.Realm(r).ID
	}
	count := func(t *testing.T, realmName string) int {
		n, err := s.Store.CountUsers(context.Background(), ids[realmName], store.UserQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	f.Fuzz(func(t *testing.T, raw []byte, sel uint8) {
		realmName := realms[int(sel)%len(realms)]
		before := count(t, realmName)
		r := do(t, http.MethodPost, regURL(s, realmName), bytes.NewReader(raw), "Content-Type", "application/json")
		after := count(t, realmName)
		switch {
		case r.Status >= 500:
			t.Fatalf("%d %s for %q", r.Status, r.Body, raw)
		case r.Status == http.StatusCreated:
			if after != before+1 {
				t.Fatalf("201 but %d users before, %d after, for %q", before, after, raw)
			}
			m := r.json(t)
			if m["enabled"] != true || m["emailVerified"] != false {
				t.Fatalf("created %s from %q", r.Body, raw)
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
