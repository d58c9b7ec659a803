package adminapi_test

// The rows of attack detection (AttackDetectionResource): a user's status
// needs view-users, clearing one user or the realm manage-users. An unknown
// user is no 404.
func bruteForceRows() []row {
	const rb = "/admin/realms/perm/attack-detection/brute-force/users"
	const r = "/admin/realms/{realm}/attack-detection/brute-force/users"
	user := func(f *fixtures) string { return rb + "/" + f.user }
	return []row{
		{route: "GET " + r + "/{id}", path: user, allow: viewUsers, ok: 200},
		{what: "GET brute-force status of an unknown user", path: fixed(rb + "/no-such-user"), allow: viewUsers, ok: 200},
		{route: "DELETE " + r + "/{id}", path: user, allow: manageUsers, ok: 204},
		{route: "DELETE " + r, path: fixed(rb), allow: manageUsers, ok: 204},
	}
}
