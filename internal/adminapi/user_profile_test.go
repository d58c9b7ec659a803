package adminapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// defaultProfileJSON is Keycloak 26's default user profile as GET
// /users/profile shows it.
const defaultProfileJSON = `{"attributes":[
 {"name":"username","displayName":"${username}","validations":{"length":{"min":3,"max":255},"username-prohibited-characters":{},"up-username-not-idn-homograph":{}},
  "permissions":{"view":["admin","user"],"edit":["admin","user"]},"multivalued":false},
 {"name":"email","displayName":"${email}","validations":{"email":{},"length":{"max":255}},"required":{"roles":["user"]},
  "permissions":{"view":["admin","user"],"edit":["admin","user"]},"multivalued":false},
 {"name":"firstName","displayName":"${firstName}","validations":{"length":{"max":255},"person-name-prohibited-characters":{}},"required":{"roles":["user"]},
  "permissions":{"view":["admin","user"],"edit":["admin","user"]},"multivalued":false},
 {"name":"lastName","displayName":"${lastName}","validations":{"length":{"max":255},"person-name-prohibited-characters":{}},"required":{"roles":["user"]},
  "permissions":{"view":["admin","user"],"edit":["admin","user"]},"multivalued":false}],
 "groups":[{"name":"user-metadata","displayHeader":"User metadata","displayDescription":"Attributes, which refer to user metadata"}]}`

// profileRealm has a realm admin, a view-users admin and carol, who holds
// attributes written before any configuration.
const profileRealm = `{"realm":"prof","enabled":true,
  "users":[
    {"username":"boss","enabled":true,"credentials":[{"type":"password","value":"boss-password"}],"clientRoles":{"realm-management":["realm-admin"]}},
    {"username":"vu","enabled":true,"credentials":[{"type":"password","value":"vu-password"}],"clientRoles":{"realm-management":["view-users"]}},
    {"username":"carol","enabled":true,"attributes":{"badge":["gold"],"department":["eng"],"extra":["old"]}}]}`

// customProfile declares: department (required for admins, one of eng or
// ops), employeeId (a pattern), badge (admins view, nobody edits), nickname
// (required for users, at most 10 characters), vipLevel (admins only),
// with the given unmanaged policy.
func customProfile(policy string) string {
	p := ""
	if policy != "" {
		p = `,"unmanagedAttributePolicy":"` + policy + `"`
	}
	attrs := strings.TrimSuffix(strings.SplitN(defaultProfileJSON, `],
 "groups"`, 2)[0], "") + `,
 {"name":"department","displayName":"Department","validations":{"options":{"options":["eng","ops"]}},"required":{"roles":["admin"]},
  "permissions":{"view":["admin"],"edit":["admin"]},"group":"user-metadata","multivalued":false},
 {"name":"employeeId","validations":{"pattern":{"pattern":"E[0-9]{4}","error-message":"badEmployeeId"}},
  "permissions":{"view":["admin","user"],"edit":["admin"]},"multivalued":false},
 {"name":"badge","permissions":{"view":["admin"],"edit":[]},"multivalued":false},
 {"name":"nickname","validations":{"length":{"max":10}},"required":{"roles":["user"]},
  "permissions":{"view":["admin","user"],"edit":["admin","user"]},"annotations":{"inputType":"text"},"multivalued":false},
 {"name":"vipLevel","permissions":{"view":["admin"],"edit":["admin"]},"multivalued":true}]`
	return attrs + `,"groups":[{"name":"user-metadata","displayHeader":"User metadata","displayDescription":"Attributes, which refer to user metadata"}]` + p + `}`
}

func TestUserProfileConfig(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(profileRealm)
		boss := token(t, s, "prof", "admin-cli", "boss", "boss-password")
		vu := token(t, s, "prof", "admin-cli", "vu", "vu-password")
		const p = "/admin/realms/prof/users/profile"

		expect(t, "default", call(t, s, "GET", p, vu, nil), 200, defaultProfileJSON)
		expect(t, "PUT by view-users", call(t, s, "PUT", p, vu, json.RawMessage(customProfile(""))), 403, body403)

		bad := `{"attributes":[{"name":"email"},{"name":"bad name","validations":{"pattern":{},"nosuch":{}},
		  "permissions":{"view":["owner"]},"group":"none"},{"name":"email"}],"groups":[{"displayHeader":"x"}]}`
		expect(t, "invalid", call(t, s, "PUT", p, boss, bad), 400, `{"errorMessage":"UserProfile configuration is invalid: [`+
			`Invalid attribute name (only letters, numbers and '.' '_' '-' special characters allowed): bad name', `+
			`Validator 'pattern' defined for attribute 'bad name' has incorrect configuration: ValidationError{validatorId='pattern', inputHint='pattern', message='error-validator-config-missing-value', messageParameters=[]}, , `+
			`Validator 'nosuch' defined for attribute 'bad name' doesn't exist, `+
			`'permissions.view' configuration for attribute 'bad name' contains unsupported role 'owner', `+
			`Attribute 'bad name' references unknown group 'none', `+
			`Attribute configuration already exists with 'name':'email', `+
			`The attribute 'username' can not be removed, `+
			`Name is mandatory for groups, found 1 group(s) without name.]"}`)
		expect(t, "bad length config", call(t, s, "PUT", p, boss,
			`{"attributes":[{"name":"username"},{"name":"email","validations":{"length":{"min":"x"}}}]}`), 400,
			`{"errorMessage":"UserProfile configuration is invalid: [Validator 'length' defined for attribute 'email' has incorrect configuration: ValidationError{validatorId='length', inputHint='min', message='error-validator-config-invalid-number-value', messageParameters=[]}, ]"}`)
		expect(t, "not JSON", call(t, s, "PUT", p, boss, `{"attributes":`), 400,
			`{"error":"invalid_request","error_description":"Cannot parse the JSON"}`)
		expect(t, "unchanged", call(t, s, "GET", p, boss, nil), 200, defaultProfileJSON)

		expect(t, "valid", call(t, s, "PUT", p, boss, json.RawMessage(customProfile("ADMIN_EDIT"))), 200, customProfile("ADMIN_EDIT"))
		expect(t, "read back", call(t, s, "GET", p, vu, nil), 200, customProfile("ADMIN_EDIT"))

		meta := `{"attributes":[
		 {"name":"username","displayName":"${username}","required":true,"readOnly":false,"validators":{"length":{"min":3,"max":255,"ignore.empty.value":true},"username-prohibited-characters":{"ignore.empty.value":true},"up-username-not-idn-homograph":{"ignore.empty.value":true},"multivalued":{"max":"1"}},"multivalued":false},
		 {"name":"email","displayName":"${email}","required":false,"readOnly":false,"validators":{"email":{"ignore.empty.value":true},"length":{"max":255,"ignore.empty.value":true},"multivalued":{"max":"1"}},"multivalued":false},
		 {"name":"firstName","displayName":"${firstName}","required":false,"readOnly":false,"validators":{"length":{"max":255,"ignore.empty.value":true},"person-name-prohibited-characters":{"ignore.empty.value":true},"multivalued":{"max":"1"}},"multivalued":false},
		 {"name":"lastName","displayName":"${lastName}","required":false,"readOnly":false,"validators":{"length":{"max":255,"ignore.empty.value":true},"person-name-prohibited-characters":{"ignore.empty.value":true},"multivalued":{"max":"1"}},"multivalued":false},
		 {"name":"department","displayName":"Department","required":true,"readOnly":false,"validators":{"options":{"options":["eng","ops"],"ignore.empty.value":true},"multivalued":{"max":"1"}},"group":"user-metadata","multivalued":false},
		 {"name":"employeeId","required":false,"readOnly":false,"validators":{"pattern":{"pattern":"E[0-9]{4}","error-message":"badEmployeeId","ignore.empty.value":true},"multivalued":{"max":"1"}},"multivalued":false},
		 {"name":"badge","required":false,"readOnly":true,"validators":{"multivalued":{"max":"1"}},"multivalued":false},
		 {"name":"nickname","required":false,"readOnly":false,"annotations":{"inputType":"text"},"validators":{"length":{"max":10,"ignore.empty.value":true},"multivalued":{"max":"1"}},"multivalued":false},
		 {"name":"vipLevel","required":false,"readOnly":false,"validators":{},"multivalued":true}],
		 "groups":[{"name":"user-metadata","displayHeader":"User metadata","displayDescription":"Attributes, which refer to user metadata"}]}`
		expect(t, "metadata", call(t, s, "GET", p+"/metadata", vu, nil), 200, meta)

		carol := call(t, s, "GET", "/admin/realms/prof/users?username=carol&exact=true", boss, nil)
		var list []struct{ ID string }
		carol.json(t, &list)
		got := call(t, s, "GET", "/admin/realms/prof/users/"+list[0].ID+"?userProfileMetadata=true", boss, nil)
		var rep struct {
			Attributes          map[string][]string `json:"attributes"`
			UserProfileMetadata json.RawMessage     `json:"userProfileMetadata"`
		}
		got.json(t, &rep)
		// Username read-only for a stored user: the realm does not let it change.
		wantMeta := strings.Replace(meta, `"required":true,"readOnly":false,"validators":{"length":{"min":3`,
			`"required":true,"readOnly":true,"validators":{"length":{"min":3`, 1)
		expect(t, "user with metadata", response{status: 200, body: rep.UserProfileMetadata}, 200, wantMeta)
		expect(t, "user's attributes", response{status: 200, body: []byte(mustJSON(rep.Attributes))}, 200,
			`{"badge":["gold"],"department":["eng"],"extra":["old"]}`)
		plain := call(t, s, "GET", "/admin/realms/prof/users/"+list[0].ID, boss, nil)
		if strings.Contains(string(plain.body), "userProfileMetadata") {
			t.Errorf("metadata without asking: %s", plain.body)
		}

		// null goes back to the default configuration.
		expect(t, "reset", call(t, s, "PUT", p, boss, "null"), 200, defaultProfileJSON)
		expect(t, "after reset", call(t, s, "GET", p, boss, nil), 200, defaultProfileJSON)
	})
}
