package realmimport

import (
	"fmt"
	"sort"
	"strings"

	"github.com/latchkey/latchkey/internal/kcrep"
)

// builtinClients are the clients Keycloak creates in every realm, which a
// file may refer to without defining.
var builtinClients = []string{
	"account", "account-console", "admin-cli", "broker", "realm-management", "security-admin-console",
}

// validate checks what would make an import fail half-way: names that must
// be unique, references to clients that do not exist, credentials that
// cannot be stored.
func validate(d *realmDoc) []error {
	var errs []error
	add := func(path, loc, format string, args ...any) {
		errs = append(errs, &Error{Path: path, Location: loc, Msg: fmt.Sprintf(format, args...)})
	}
	r := &d.rep

	clients := map[string]bool{}
	for _, id := range builtinClients {
		clients[id] = true
	}
	firstClient := map[string]string{}
	for i, c := range r.Clients {
		loc := d.at(fmt.Sprintf("clients[%d].clientId", i))
		if c.ClientID == "" {
			add(d.path, loc, "clientId is missing or empty")
			continue
		}
		if first, dup := firstClient[c.ClientID]; dup {
			add(d.path, loc, "duplicate clientId %q (first at %s)", c.ClientID, first)
			continue
		}
		firstClient[c.ClientID] = loc
		clients[c.ClientID] = true
	}

	if r.Roles != nil {
		errs = append(errs, uniqueNames(d, d.at("roles.realm"), roleRefs(r.Roles.Realm))...)
		for _, section := range []struct {
			name  string
			roles map[string][]roleRef
		}{{"roles.client", clientRoleRefs(r.Roles.Client)}, {"roles.application", clientRoleRefs(r.Roles.Application)}} {
			for _, clientID := range sortedKeys(section.roles) {
				roles := section.roles[clientID]
				loc := d.at(joinPath(section.name, clientID))
				if !clients[clientID] {
					add(d.path, loc, "roles for client %q, which is neither in this realm nor built in", clientID)
				}
				errs = append(errs, uniqueNames(d, loc, roles)...)
			}
		}
	}

	firstUser := map[string]userSource{}
	for i := range r.Users {
		u := &r.Users[i]
		src := d.users[i]
		if strings.TrimSpace(u.Username) == "" {
			add(src.path, src.loc+".username", "username is missing or empty")
		} else {
			// Keycloak stores usernames lower-cased, so case variants collide.
			key := strings.ToLower(u.Username)
			if first, dup := firstUser[key]; dup {
				where := first.loc
				if first.path != src.path {
					where = first.path + " " + first.loc
				}
				add(src.path, src.loc+".username", "duplicate username %q (first at %s)", u.Username, where)
			} else {
				firstUser[key] = src
			}
		}
		if id := u.ServiceAccountClientID; id != "" && !clients[id] {
			add(src.path, src.loc+".serviceAccountClientId",
				"service account of client %q, which is neither in this realm nor built in", id)
		}
		for _, clientID := range sortedKeys(u.ClientRoles) {
			if !clients[clientID] {
				add(src.path, joinPath(src.loc+".clientRoles", clientID),
					"roles of client %q, which is neither in this realm nor built in", clientID)
			}
		}
		for j, c := range u.Credentials {
			if c.Value == "" && c.SecretData == "" && c.HashedSaltedValue == "" {
				add(src.path, fmt.Sprintf("%s.credentials[%d]", src.loc, j),
					"credential has neither value nor secretData")
			}
		}
	}
	return errs
}

// roleRef is a role name and its index in its list.
type roleRef struct {
	name  string
	index int
}

func roleRefs(roles []kcrep.RoleRepresentation) []roleRef {
	refs := make([]roleRef, len(roles))
	for i, r := range roles {
		refs[i] = roleRef{name: r.Name, index: i}
	}
	return refs
}

func clientRoleRefs(m map[string][]kcrep.RoleRepresentation) map[string][]roleRef {
	out := make(map[string][]roleRef, len(m))
	for clientID, roles := range m {
		out[clientID] = roleRefs(roles)
	}
	return out
}

// uniqueNames reports role names that are missing or repeated; base is the
// location of the list.
func uniqueNames(d *realmDoc, base string, roles []roleRef) []error {
	var errs []error
	first := map[string]string{}
	for _, r := range roles {
		loc := fmt.Sprintf("%s[%d].name", base, r.index)
		if strings.TrimSpace(r.name) == "" {
			errs = append(errs, &Error{Path: d.path, Location: loc, Msg: "role name is missing or empty"})
			continue
		}
		if f, dup := first[r.name]; dup {
			errs = append(errs, &Error{Path: d.path, Location: loc,
				Msg: fmt.Sprintf("duplicate role %q (first at %s)", r.name, f)})
			continue
		}
		first[r.name] = loc
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
