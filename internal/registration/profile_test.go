package registration_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// profileConfig: the default profile without lastName, plus nickname
// (required for users, 2 to 10 characters, a pattern), vipLevel (admins
// only) and tier (users may edit, one of free or pro).
const profileConfig = `{"attributes":[
 {"name":"username","displayName":"${username}","validations":{"length":{"min":3,"max":255},"username-prohibited-characters":{},"up-username-not-idn-homograph":{}},
  "permissions":{"view":["admin","user"],"edit":["admin","user"]}},
 {"name":"email","displayName":"${email}","validations":{"email":{},"length":{"max":255}},"required":{"roles":["user"]},
  "permissions":{"view":["admin","user"],"edit":["admin","user"]}},
 {"name":"firstName","validations":{"length":{"max":255}},"permissions":{"view":["admin","user"],"edit":["admin","user"]}},
 {"name":"nickname","displayName":"Nickname","validations":{"length":{"min":2,"max":10},"pattern":{"pattern":"[a-z]+"}},
  "required":{"roles":["user"]},"permissions":{"view":["admin","user"],"edit":["admin","user"]}},
 {"name":"vipLevel","permissions":{"view":["admin"],"edit":["admin"]}},
 {"name":"tier","validations":{"options":{"options":["free","pro"]}},"permissions":{"view":["user"],"edit":["user","admin"]}}]}`

func TestRegistrationFollowsUserProfile(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(realm("demo", "", map[string]string{"userProfileConfig": profileConfig}))

		r := do(t, http.MethodGet, regURL(s, "demo"), nil, "Accept", "application/json")
		wantJSON(t, r, http.StatusOK, `{"realm":"demo","registrationAllowed":true,"registrationEmailAsUsername":false,"verifyEmail":false,
		"fields":[
		{"name":"username","required":true,"validators":{"length":{"min":3,"max":255},"noHomographs":true,"noWhitespace":true,"prohibitedCharacters":"<>&\"'$%!#?§,;:*~/\\|^=[]{}()`+"`"+`"}},
		{"name":"email","required":true,"validators":{"email":true,"length":{"max":255}}},
		{"name":"firstName","required":false,"validators":{"length":{"max":255}}},
		{"name":"nickname","required":true,"validators":{"length":{"min":2,"max":10},"pattern":{"pattern":"[a-z]+"}},"attribute":true,"displayName":"Nickname"},
		{"name":"tier","required":false,"validators":{"options":["free","pro"]},"attribute":true},
		{"name":"password","required":true}],
		"passwordPolicy":[]}`)

		// lastName is not in the profile: not required, and not kept.
		wantJSON(t, post(t, s, body(map[string]any{"lastName": nil, "attributes": map[string][]string{"tier": {"gold"}}})),
			http.StatusBadRequest, `{"error":"invalid_registration","error_description":"Please specify this field.","errors":[
			{"field":"nickname","errorMessage":"error-user-attribute-required","params":["nickname"],"message":"Please specify this field."},
			{"field":"tier","errorMessage":"error-invalid-value","params":["tier"],"message":"Invalid value."}]}`)
		wantJSON(t, post(t, s, body(map[string]any{"attributes": map[string][]string{"nickname": {"X"}}})),
			http.StatusBadRequest, `{"error":"invalid_registration","error_description":"Length must be between 2 and 10.","errors":[
			{"field":"nickname","errorMessage":"error-invalid-length","params":["nickname",2,10],"message":"Length must be between 2 and 10."},
			{"field":"nickname","errorMessage":"error-pattern-no-match","params":["nickname","[a-z]+"],"message":"Invalid value."}]}`)

		r = post(t, s, body(map[string]any{"attributes": map[string][]string{
			"nickname": {"jd"}, "tier": {"pro"}, "vipLevel": {"9"}, "unmanaged": {"x"}}}))
		if r.Status != http.StatusCreated {
			t.Fatalf("register: %d %s", r.Status, r.Body)
		}
		u := userNamed(t, s, "jdoe")
		got, _ := json.Marshal(u.Attributes)
		if string(got) != `{"nickname":["jd"],"tier":["pro"]}` {
			t.Errorf("stored attributes %s", got)
		}
		if u.LastName != "" || u.FirstName != "John" {
			t.Errorf("names %q %q", u.FirstName, u.LastName)
		}
	})
}
