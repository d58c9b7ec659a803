package adminapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// userAttrs creates a user (201 expected) and returns its attributes as
// GET /users/{id} shows them, as JSON.
func userAttrs(t *testing.T, s *testenv.Server, tok, id string) string {
	t.Helper()
	r := call(t, s, "GET", "/admin/realms/prof/users/"+id, tok, nil)
	var rep struct {
		Attributes map[string][]string `json:"attributes"`
	}
	r.json(t, &rep)
	return mustJSON(rep.Attributes)
}

func idOf(r response) string {
	loc := r.header.Get("Location")
	return loc[strings.LastIndex(loc, "/")+1:]
}

func TestUserProfileEnforcedByAdminAPI(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(profileRealm)
		boss := token(t, s, "prof", "admin-cli", "boss", "boss-password")
		const users = "/admin/realms/prof/users"
		expect(t, "config", call(t, s, "PUT", users+"/profile", boss, json.RawMessage(customProfile(""))), 200, "")

		expect(t, "required department", call(t, s, "POST", users, boss, map[string]any{"username": "dan"}), 400,
			`{"field":"department","errorMessage":"error-user-attribute-required","params":["department"]}`)
		expect(t, "options and pattern", call(t, s, "POST", users, boss, map[string]any{"username": "dan",
			"attributes": map[string][]string{"department": {"sales"}, "employeeId": {"X12"}, "nickname": {"far too long a nickname"}}}), 400,
			`{"errors":[{"field":"department","errorMessage":"error-invalid-value","params":["department"]},
			 {"field":"employeeId","errorMessage":"badEmployeeId","params":["employeeId","E[0-9]{4}"]},
			 {"field":"nickname","errorMessage":"error-invalid-length-too-long","params":["nickname",null,10]}]}`)
		expect(t, "single-valued", call(t, s, "POST", users, boss, map[string]any{"username": "dan",
			"attributes": map[string][]string{"department": {"eng", "ops"}}}), 400,
			`{"field":"department","errorMessage":"error-invalid-multivalued-size","params":["department",1,1]}`)

		// badge is view-only for admins: what is sent is ignored. extra is
		// unmanaged, and the policy is absent: dropped.
		r := call(t, s, "POST", users, boss, map[string]any{"username": "dan", "attributes": map[string][]string{
			"department": {"eng"}, "employeeId": {"E1234"}, "badge": {"gold"}, "vipLevel": {"1", "2"}, "extra": {"x"}}})
		expect(t, "create", r, 201, "")
		dan := idOf(r)
		if got, want := userAttrs(t, s, boss, dan), `{"department":["eng"],"employeeId":["E1234"],"vipLevel":["1","2"]}`; got != want {
			t.Errorf("created attributes %s, want %s", got, want)
		}

		// carol's stored badge and extra stay, whatever the update says.
		var list []struct{ ID string }
		call(t, s, "GET", users+"?username=carol&exact=true", boss, nil).json(t, &list)
		carol := list[0].ID
		expect(t, "update", call(t, s, "PUT", users+"/"+carol, boss, map[string]any{"attributes": map[string][]string{
			"department": {"ops"}, "badge": {"silver"}, "extra": {"new"}}}), 204, "")
		if got, want := userAttrs(t, s, boss, carol), `{"badge":["gold"],"department":["ops"]}`; got != want {
			t.Errorf("updated attributes %s, want %s", got, want)
		}
		expect(t, "update dropping the required one", call(t, s, "PUT", users+"/"+carol, boss,
			map[string]any{"attributes": map[string][]string{"badge": {"gold"}}}), 400,
			`{"field":"department","errorMessage":"error-user-attribute-required","params":["department"]}`)
	})
}

// TestUnmanagedPolicies: what the admin API does with an attribute the
// configuration does not declare, under each policy.
func TestUnmanagedPolicies(t *testing.T) {
	s := testenv.NewServer(t)
	s.ImportRealm(profileRealm)
	boss := token(t, s, "prof", "admin-cli", "boss", "boss-password")
	const users = "/admin/realms/prof/users"
	var list []struct{ ID string }
	call(t, s, "GET", users+"?username=carol&exact=true", boss, nil).json(t, &list)
	carol := list[0].ID
	for i, c := range []struct {
		policy         string
		created, carol string // attributes of a new user given extra, and of carol (stored extra "old")
	}{
		{"", `{"department":["eng"]}`, `{"badge":["gold"],"department":["eng"]}`},
		{"ENABLED", `{"department":["eng"],"extra":["x"]}`, `{"badge":["gold"],"department":["eng"],"extra":["old"]}`},
		{"ADMIN_EDIT", `{"department":["eng"],"extra":["x"]}`, `{"badge":["gold"],"department":["eng"],"extra":["old"]}`},
		{"ADMIN_VIEW", `{"department":["eng"]}`, `{"badge":["gold"],"department":["eng"],"extra":["old"]}`},
	} {
		expect(t, "config "+c.policy, call(t, s, "PUT", users+"/profile", boss, json.RawMessage(customProfile(c.policy))), 200, "")
		r := call(t, s, "POST", users, boss, map[string]any{"username": "user-" + string(rune('a'+i)),
			"attributes": map[string][]string{"department": {"eng"}, "extra": {"x"}}})
		expect(t, "create "+c.policy, r, 201, "")
		if got := userAttrs(t, s, boss, idOf(r)); got != c.created {
			t.Errorf("%q: created %s, want %s", c.policy, got, c.created)
		}
		if got := userAttrs(t, s, boss, carol); got != c.carol {
			t.Errorf("%q: carol %s, want %s", c.policy, got, c.carol)
		}
	}
	// ADMIN_VIEW: a write of extra is ignored, the stored value stays.
	expect(t, "update under ADMIN_VIEW", call(t, s, "PUT", users+"/"+carol, boss, map[string]any{
		"attributes": map[string][]string{"department": {"eng"}, "extra": {"changed"}}}), 204, "")
	if got, want := userAttrs(t, s, boss, carol), `{"badge":["gold"],"department":["eng"],"extra":["old"]}`; got != want {
		t.Errorf("ADMIN_VIEW update: %s, want %s", got, want)
	}
}
