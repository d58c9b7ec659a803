package adminapi_test

// The rows of partial import and export (RealmAdminResource): importing
// needs manage-realm; exporting view-realm, plus view-clients for the
// clients and the right to list groups for groups and roles.
func partialRows() []row {
	const rb = "/admin/realms/perm"
	const r = "/admin/realms/{realm}"
	listGroups := hasAny("query-groups", "view-users", "manage-users")
	return []row{
		{route: "POST " + r + "/partialImport", path: fixed(rb + "/partialImport"), allow: manageRealm, ok: 200,
			body: func(*fixtures) any {
				return map[string]any{"ifResourceExists": "SKIP", "roles": map[string]any{
					"realm": []map[string]string{{"name": "partial-import-role"}}}}
			}},
		{route: "POST " + r + "/partial-export", path: fixed(rb + "/partial-export?exportClients=true&exportGroupsAndRoles=true"),
			allow: both(both(viewRealm, viewClients), listGroups), ok: 200},
		{what: "POST partial-export of the realm alone", path: fixed(rb + "/partial-export"), allow: viewRealm, ok: 200},
	}
}
