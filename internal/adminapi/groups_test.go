package adminapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// HTTP tests of the group endpoints: exact statuses and bodies, as
// Keycloak 26 answers them (GroupsResource, GroupResource, UserResource,
// RealmAdminResource, RoleContainerResource).

const gbase = "/admin/realms/shop/groups"

// mkGroup creates a group (under parent when not "") and returns its id.
func mkGroup(t *testing.T, s *testenv.Server, tok, parent string, body map[string]any) string {
	t.Helper()
	path := gbase
	if parent != "" {
		path += "/" + parent + "/children"
	}
	r := call(t, s, "POST", path, tok, body)
	loc := r.header.Get("Location")
	if r.status != 201 || !strings.HasPrefix(loc, s.URL+gbase+"/") {
		t.Fatalf("create group %v: %d %s (Location %q)", body, r.status, r.body, loc)
	}
	return loc[strings.LastIndex(loc, "/")+1:]
}

const access = `"access":{"manage":true,"manageMembership":true,"view":true}`

func TestGroupsCreateAndRead(t *testing.T) { testenv.EachServer(t, checkGroupsCreateAndRead) }

func checkGroupsCreateAndRead(t *testing.T, s *testenv.Server) {
	sh := newShop(t, s)
	tok := sh.manager

	expect(t, "no name", call(t, s, "POST", gbase, tok, map[string]any{}), 400, `{"errorMessage":"Group name is missing"}`)
	expect(t, "blank name", call(t, s, "POST", gbase, tok, map[string]any{"name": "  "}), 400, `{"errorMessage":"Group name is missing"}`)
	expect(t, "bad JSON", call(t, s, "POST", gbase, tok, "{"), 400,
		`{"error":"invalid_request","error_description":"Cannot parse the JSON"}`)
	expect(t, "viewer creates", call(t, s, "POST", gbase, sh.viewer, map[string]any{"name": "x"}), 403, body403)
	expect(t, "create-users creates", call(t, s, "POST", gbase, sh.creator, map[string]any{"name": "x"}), 403, body403)

	staff := mkGroup(t, s, tok, "", map[string]any{"name": "staff", "description": "Everyone",
		"attributes": map[string][]string{"site": {"paris", "lyon"}}})
	expect(t, "duplicate top level", call(t, s, "POST", gbase, tok, map[string]any{"name": "staff"}), 409,
		`{"errorMessage":"Top level group named 'staff' already exists."}`)
	mkGroup(t, s, tok, "", map[string]any{"name": "Staff"}) // names are case-sensitive

	// A child: 201, Location, and the full representation.
	r := call(t, s, "POST", gbase+"/"+staff+"/children", tok, map[string]any{"name": "eng"})
	eng := r.header.Get("Location")[strings.LastIndex(r.header.Get("Location"), "/")+1:]
	expect(t, "create child", r, 201, `{"id":"`+eng+`","name":"eng","path":"/staff/eng","parentId":"`+staff+
		`","subGroups":[],"attributes":{},"realmRoles":[],"clientRoles":{},`+access+`}`)
	expect(t, "duplicate child", call(t, s, "POST", gbase+"/"+staff+"/children", tok, map[string]any{"name": "eng"}), 409,
		`{"errorMessage":"Sibling group named 'eng' already exists."}`)
	backend := mkGroup(t, s, tok, eng, map[string]any{"name": "backend"})

	expect(t, "get", call(t, s, "GET", gbase+"/"+staff, sh.viewer, nil), 200,
		`{"id":"`+staff+`","name":"staff","description":"Everyone","path":"/staff","subGroupCount":1,"subGroups":[],`+
			`"attributes":{"site":["paris","lyon"]},"realmRoles":[],"clientRoles":{},`+
			`"access":{"manage":false,"manageMembership":false,"view":true}}`)
	expect(t, "get unknown", call(t, s, "GET", gbase+"/nope", tok, nil), 404,
		`{"error":"Could not find group by id",`+hint+`}`)
	expect(t, "get as query-users", call(t, s, "GET", gbase+"/"+staff, sh.querier, nil), 403, body403)
	expect(t, "get from another realm", call(t, s, "GET", gbase+"/"+staff, sh.other, nil), 403, body403)

	// Listing: the top level, brief, with counts and access.
	expect(t, "list", call(t, s, "GET", gbase, tok, nil), 200,
		`[{"id":"`+mustID(t, s, tok, "/Staff")+`","name":"Staff","path":"/Staff","subGroupCount":0,"subGroups":[],`+access+`},`+
			`{"id":"`+staff+`","name":"staff","description":"Everyone","path":"/staff","subGroupCount":1,"subGroups":[],`+access+`}]`)
	expect(t, "list as query-users", call(t, s, "GET", gbase, sh.querier, nil), 403, body403)
	expect(t, "search builds the hierarchy", call(t, s, "GET", gbase+"?search=BACK", tok, nil), 200,
		`[{"id":"`+staff+`","name":"staff","description":"Everyone","path":"/staff","subGroupCount":1,"subGroups":[`+
			`{"id":"`+eng+`","name":"eng","path":"/staff/eng","parentId":"`+staff+`","subGroupCount":1,"subGroups":[`+
			`{"id":"`+backend+`","name":"backend","path":"/staff/eng/backend","parentId":"`+eng+`","subGroupCount":0,"subGroups":[],`+access+`}],`+
			access+`}],`+access+`}]`)
	expect(t, "search flat", call(t, s, "GET", gbase+"?search=back&populateHierarchy=false&subGroupsCount=false", tok, nil), 200,
		`[{"id":"`+backend+`","name":"backend","path":"/staff/eng/backend","parentId":"`+eng+`","subGroups":[],`+access+`}]`)
	expect(t, "exact search", call(t, s, "GET", gbase+"?search=Back&exact=true", tok, nil), 200, `[]`)
	expect(t, "q= attributes", call(t, s, "GET", gbase+"?q=site:lyon&populateHierarchy=false&briefRepresentation=false", tok, nil), 200,
		`[{"id":"`+staff+`","name":"staff","description":"Everyone","path":"/staff","subGroupCount":1,"subGroups":[],`+
			`"attributes":{"site":["paris","lyon"]},"realmRoles":[],"clientRoles":{},`+access+`}]`)
	expect(t, "paging", call(t, s, "GET", gbase+"?first=1&max=1", tok, nil), 200,
		`[{"id":"`+staff+`","name":"staff","description":"Everyone","path":"/staff","subGroupCount":1,"subGroups":[],`+access+`}]`)
	expect(t, "bad first", call(t, s, "GET", gbase+"?first=x", tok, nil), 404, "")

	expect(t, "count", call(t, s, "GET", gbase+"/count", sh.querier, nil), 403, body403)
	expect(t, "count all", call(t, s, "GET", gbase+"/count", tok, nil), 200, `{"count":4}`)
	expect(t, "count top", call(t, s, "GET", gbase+"/count?top=true", tok, nil), 200, `{"count":2}`)
	expect(t, "count search", call(t, s, "GET", gbase+"/count?search=A", tok, nil), 200, `{"count":3}`)

	expect(t, "children", call(t, s, "GET", gbase+"/"+staff+"/children?briefRepresentation=true", sh.viewer, nil), 200,
		`[{"id":"`+eng+`","name":"eng","path":"/staff/eng","parentId":"`+staff+`","subGroupCount":1,"subGroups":[],`+
			`"access":{"manage":false,"manageMembership":false,"view":true}}]`)
	expect(t, "children search", call(t, s, "GET", gbase+"/"+staff+"/children?search=zzz", tok, nil), 200, `[]`)
	expect(t, "by path", call(t, s, "GET", "/admin/realms/shop/group-by-path/staff/eng", tok, nil), 200,
		`{"id":"`+eng+`","name":"eng","path":"/staff/eng","parentId":"`+staff+`","subGroups":[],"attributes":{},"realmRoles":[],"clientRoles":{}}`)
	expect(t, "by unknown path", call(t, s, "GET", "/admin/realms/shop/group-by-path/staff/nope", tok, nil), 404,
		`{"error":"Group path does not exist",`+hint+`}`)
}

// mustID finds a group's id by path.
func mustID(t *testing.T, s *testenv.Server, tok, path string) string {
	t.Helper()
	var g struct{ ID string }
	r := call(t, s, "GET", "/admin/realms/shop/group-by-path"+path, tok, nil)
	if r.status != 200 {
		t.Fatalf("group %s: %d %s", path, r.status, r.body)
	}
	r.json(t, &g)
	return g.ID
}

func TestGroupsUpdateMoveDelete(t *testing.T) { testenv.EachServer(t, checkGroupsUpdateMoveDelete) }

func checkGroupsUpdateMoveDelete(t *testing.T, s *testenv.Server) {
	sh := newShop(t, s)
	tok := sh.manager
	a := mkGroup(t, s, tok, "", map[string]any{"name": "a", "attributes": map[string][]string{"k": {"v"}}})
	b := mkGroup(t, s, tok, a, map[string]any{"name": "b"})
	c := mkGroup(t, s, tok, b, map[string]any{"name": "c"})
	mkGroup(t, s, tok, "", map[string]any{"name": "b"})

	expect(t, "blank name", call(t, s, "PUT", gbase+"/"+a, tok, map[string]any{"name": ""}), 400, `{"errorMessage":"Group name is missing"}`)
	expect(t, "other id", call(t, s, "PUT", gbase+"/"+a, tok, map[string]any{"id": b, "name": "a"}), 400, `{"errorMessage":"Invalid group id"}`)
	expect(t, "viewer updates", call(t, s, "PUT", gbase+"/"+a, sh.viewer, map[string]any{"name": "a"}), 403, body403)
	expect(t, "rename onto a sibling", call(t, s, "PUT", gbase+"/"+a, tok, map[string]any{"name": "b"}), 409,
		`{"errorMessage":"Sibling group named 'b' already exists."}`)
	// Attributes absent: kept; description absent: cleared.
	expect(t, "rename", call(t, s, "PUT", gbase+"/"+a, tok, map[string]any{"name": "a2", "description": "d"}), 204, "")
	expect(t, "after rename", call(t, s, "GET", gbase+"/"+c, tok, nil), 200,
		`{"id":"`+c+`","name":"c","path":"/a2/b/c","parentId":"`+b+`","subGroupCount":0,"subGroups":[],"attributes":{},"realmRoles":[],"clientRoles":{},`+access+`}`)
	expect(t, "attributes replaced", call(t, s, "PUT", gbase+"/"+a, tok, map[string]any{"name": "a2", "attributes": map[string][]string{"n": {"1"}}}), 204, "")
	var got struct {
		Attributes map[string][]string
	}
	call(t, s, "GET", gbase+"/"+a, tok, nil).json(t, &got)
	if len(got.Attributes) != 1 || got.Attributes["n"][0] != "1" {
		t.Errorf("attributes after PUT: %v", got.Attributes)
	}

	// Moves: POST an existing id.
	expect(t, "move unknown", call(t, s, "POST", gbase+"/"+a+"/children", tok, map[string]any{"id": "nope", "name": "x"}), 404,
		`{"error":"Could not find child by id",`+hint+`}`)
	expect(t, "move under own child", call(t, s, "POST", gbase+"/"+c+"/children", tok, map[string]any{"id": a, "name": "a2"}), 400,
		`{"errorMessage":"Cannot move a group under itself or one of its subgroups"}`)
	expect(t, "move to top onto a name", call(t, s, "POST", gbase, tok, map[string]any{"id": b, "name": "b"}), 409,
		`{"errorMessage":"Top level group named 'b' already exists."}`)
	expect(t, "move c to the top", call(t, s, "POST", gbase, tok, map[string]any{"id": c, "name": "c"}), 204, "")
	expect(t, "move c back under a2", call(t, s, "POST", gbase+"/"+a+"/children", tok, map[string]any{"id": c, "name": "c"}), 204, "")
	if got := mustID(t, s, tok, "/a2/c"); got != c {
		t.Errorf("c after moves: %s", got)
	}

	expect(t, "viewer deletes", call(t, s, "DELETE", gbase+"/"+a, sh.viewer, nil), 403, body403)
	expect(t, "delete", call(t, s, "DELETE", gbase+"/"+a, tok, nil), 204, "")
	for _, id := range []string{a, b, c} {
		expect(t, "subtree gone", call(t, s, "GET", gbase+"/"+id, tok, nil), 404, "")
	}
	expect(t, "delete again", call(t, s, "DELETE", gbase+"/"+a, tok, nil), 404, "")
}

func TestGroupMembersRolesAndDefaults(t *testing.T) {
	testenv.EachServer(t, checkGroupMembersRolesAndDefaults)
}

func checkGroupMembersRolesAndDefaults(t *testing.T, s *testenv.Server) {
	sh := newShop(t, s)
	tok := sh.boss
	realm := s.Realm("shop")
	realm.AdminEventsEnabled = true
	if err := s.Store.UpdateRealm(context.Background(), realm); err != nil {
		t.Fatal(err)
	}
	parent := mkGroup(t, s, tok, "", map[string]any{"name": "parent"})
	kid := mkGroup(t, s, tok, parent, map[string]any{"name": "kid"})
	uid := sh.create(t, sh.manager, map[string]any{"username": "member", "enabled": true})
	ub := "/admin/realms/shop/users/" + uid + "/groups"

	expect(t, "join unknown group", call(t, s, "PUT", ub+"/nope", sh.manager, nil), 404, `{"error":"Group not found",`+hint+`}`)
	expect(t, "viewer joins", call(t, s, "PUT", ub+"/"+kid, sh.viewer, nil), 403, body403)
	expect(t, "join", call(t, s, "PUT", ub+"/"+kid, sh.manager, nil), 204, "")
	expect(t, "join again", call(t, s, "PUT", ub+"/"+kid, sh.manager, nil), 204, "")
	expect(t, "user's groups", call(t, s, "GET", ub, sh.viewer, nil), 200,
		`[{"id":"`+kid+`","name":"kid","path":"/parent/kid","parentId":"`+parent+`","subGroups":[]}]`)
	expect(t, "user's groups searched", call(t, s, "GET", ub+"?search=zz", sh.viewer, nil), 200, `[]`)
	expect(t, "user's groups count", call(t, s, "GET", ub+"/count", sh.viewer, nil), 200, `{"count":1}`)
	var members []struct{ Username string }
	r := call(t, s, "GET", gbase+"/"+kid+"/members", sh.viewer, nil)
	r.json(t, &members)
	if r.status != 200 || len(members) != 1 || members[0].Username != "member" {
		t.Errorf("members: %d %s", r.status, r.body)
	}
	expect(t, "parent has no direct members", call(t, s, "GET", gbase+"/"+parent+"/members", sh.viewer, nil), 200, `[]`)

	// A realm role on the parent reaches the member and the child.
	var vip map[string]any
	call(t, s, "GET", "/admin/realms/shop/roles/vip", tok, nil).json(t, &vip)
	body := []map[string]any{{"id": vip["id"], "name": "vip"}}
	expect(t, "viewer maps", call(t, s, "POST", gbase+"/"+parent+"/role-mappings/realm", sh.viewer, body), 403, body403)
	expect(t, "map", call(t, s, "POST", gbase+"/"+parent+"/role-mappings/realm", sh.manager, body), 204, "")
	expect(t, "parent's mappings", call(t, s, "GET", gbase+"/"+parent+"/role-mappings", sh.viewer, nil), 200,
		`{"realmMappings":[{"id":"`+vip["id"].(string)+`","name":"vip","composite":false,"clientRole":false,"containerId":"`+realm.ID+`"}]}`)
	expect(t, "child's direct", call(t, s, "GET", gbase+"/"+kid+"/role-mappings/realm", sh.viewer, nil), 200, `[]`)
	expect(t, "child's composite", call(t, s, "GET", gbase+"/"+kid+"/role-mappings/realm/composite", sh.viewer, nil), 200,
		`[{"id":"`+vip["id"].(string)+`","name":"vip","composite":false,"clientRole":false,"containerId":"`+realm.ID+`"}]`)
	var eff []struct{ Name string }
	call(t, s, "GET", "/admin/realms/shop/users/"+uid+"/role-mappings/realm/composite", sh.viewer, nil).json(t, &eff)
	if !strings.Contains(mustJSON(eff), `"vip"`) {
		t.Errorf("member's effective roles lack vip: %v", eff)
	}
	expect(t, "groups of a role", call(t, s, "GET", "/admin/realms/shop/roles/vip/groups", tok, nil), 200,
		`[{"id":"`+parent+`","name":"parent","path":"/parent","subGroups":[]}]`)

	// An admin role on a group: only a caller who may grant it puts
	// people in that group.
	var rmc []struct{ ID string }
	call(t, s, "GET", "/admin/realms/shop/clients?clientId=realm-management", tok, nil).json(t, &rmc)
	var ra map[string]any
	call(t, s, "GET", "/admin/realms/shop/clients/"+rmc[0].ID+"/roles/realm-admin", tok, nil).json(t, &ra)
	admins := mkGroup(t, s, sh.master, "", map[string]any{"name": "admins"})
	expect(t, "map realm-admin as master", call(t, s, "POST", gbase+"/"+admins+"/role-mappings/clients/"+rmc[0].ID, sh.master,
		[]map[string]any{{"id": ra["id"], "name": "realm-admin"}}), 204, "")
	expect(t, "manage-users joins the admins", call(t, s, "PUT", ub+"/"+admins, sh.manager, nil), 403, body403)
	expect(t, "manage-users creates into the admins", call(t, s, "POST", "/admin/realms/shop/users", sh.manager,
		map[string]any{"username": "sneaky", "groups": []string{"/admins"}}), 403, body403)
	expect(t, "master joins the admins", call(t, s, "PUT", ub+"/"+admins, sh.master, nil), 204, "")

	// Groups in POST /users.
	expect(t, "create-users with groups", call(t, s, "POST", "/admin/realms/shop/users", sh.creator,
		map[string]any{"username": "grouped", "groups": []string{"/parent/kid"}}), 403, body403)
	gid := sh.create(t, sh.manager, map[string]any{"username": "grouped", "groups": []string{"parent/kid", "/parent"}})
	expect(t, "created user's groups", call(t, s, "GET", "/admin/realms/shop/users/"+gid+"/groups/count", tok, nil), 200, `{"count":2}`)

	expect(t, "leave", call(t, s, "DELETE", ub+"/"+kid, sh.manager, nil), 204, "")
	expect(t, "leave again", call(t, s, "DELETE", ub+"/"+kid, sh.manager, nil), 204, "")

	// Default groups.
	db := "/admin/realms/shop/default-groups"
	expect(t, "default unknown", call(t, s, "PUT", db+"/nope", tok, nil), 404, `{"error":"Group not found",`+hint+`}`)
	expect(t, "manage-users sets a default", call(t, s, "PUT", db+"/"+kid, sh.manager, nil), 403, body403)
	expect(t, "set default", call(t, s, "PUT", db+"/"+kid, tok, nil), 204, "")
	expect(t, "defaults", call(t, s, "GET", db, tok, nil), 200,
		`[{"id":"`+kid+`","name":"kid","path":"/parent/kid","parentId":"`+parent+`","subGroups":[]}]`)
	nid := sh.create(t, sh.manager, map[string]any{"username": "newcomer"})
	expect(t, "newcomer's groups", call(t, s, "GET", "/admin/realms/shop/users/"+nid+"/groups/count", tok, nil), 200, `{"count":1}`)
	expect(t, "unset default", call(t, s, "DELETE", db+"/"+kid, tok, nil), 204, "")
	expect(t, "no defaults", call(t, s, "GET", db, tok, nil), 200, `[]`)

	// Every change was an admin event.
	evs, err := s.Store.ListAdminEvents(context.Background(), realm.ID, store.AdminEventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range evs {
		seen[e.OperationType+" "+e.ResourceType+" "+e.ResourcePath] = true
	}
	for _, want := range []string{
		"CREATE GROUP groups/" + parent, "CREATE GROUP groups/" + parent + "/children",
		"CREATE GROUP_MEMBERSHIP users/" + uid + "/groups/" + kid, "DELETE GROUP_MEMBERSHIP users/" + uid + "/groups/" + kid,
		"CREATE REALM_ROLE_MAPPING groups/" + parent + "/role-mappings/realm",
		"CREATE REALM default-groups/" + kid, "DELETE REALM default-groups/" + kid,
	} {
		if !seen[want] {
			t.Errorf("no admin event %q", want)
		}
	}
}
