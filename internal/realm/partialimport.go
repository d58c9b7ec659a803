package realm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/user"
)

// Kinds of PartialImportError, for errors.Is.
var (
	// ErrResourceExists: ifResourceExists is FAIL and a resource exists
	// (Keycloak answers 409 {"errorMessage": Message}).
	ErrResourceExists = errors.New("realm: partial import: a resource exists")
	// ErrNoSuchClient: client roles for a client that neither exists nor
	// comes with the import (Keycloak answers 412 {"errorMessage": Message}).
	ErrNoSuchClient = errors.New("realm: partial import: client roles for a nonexistent client")
)

// PartialImportError refuses a partial import as a whole. Message is
// Keycloak's errorMessage, word for word; errors.Is matches its Kind
// (ErrResourceExists or ErrNoSuchClient).
type PartialImportError struct {
	Kind    error
	Message string
}

func (e *PartialImportError) Error() string        { return e.Message }
func (e *PartialImportError) Is(target error) bool { return target == e.Kind }

func existsErr(format string, a ...any) error {
	return &PartialImportError{Kind: ErrResourceExists, Message: fmt.Sprintf(format, a...)}
}

// MaskedSecret is what representations show instead of a secret. A
// partial import never stores it as a client's secret: an overwritten
// client keeps the secret it has, a new one gets a generated one.
const MaskedSecret = "**********"

// partialImport is the state of one partial import, in its transaction.
type partialImport struct {
	s      *Service
	rep    *kcrep.PartialImportRepresentation
	policy string
	users  []preparedUser
	b      *Built
	gi     *groupIndex
	res    kcrep.PartialImportResults
	// existing resources, found before anything is written
	clientExists map[int]bool
	realmRoleEx  map[int]bool
	clientRoleEx map[string]map[int]bool
	groupExists  map[int]string // index -> id of the existing group
	userExists   map[int]string // index -> id of the existing user
}

// PartialImport adds users, clients, groups and roles to realm r as
// Keycloak's POST /admin/realms/{realm}/partialImport does
// (PartialImportManager): every resource is first checked against the
// realm as it is; with ifResourceExists FAIL (the default) an existing
// one refuses the whole import (ErrResourceExists), SKIP leaves it as it
// is, OVERWRITE replaces it. Resources are then written in Keycloak's
// order: clients, roles (realm, then client), identity providers (not
// modelled: each is reported SKIPPED), groups, users. Plain passwords are
// checked against the realm's policy and hashed before the transaction;
// everything else happens in one transaction, all or nothing.
//
// Where latchkey differs: an overwritten client or role keeps its id, its
// roles and the users mapped to it (its settings, description, attributes
// and composites are replaced); Keycloak deletes and recreates it. Groups
// and users are deleted and recreated as in Keycloak, with new ids. New
// clients, roles, groups and users get new ids, as in Keycloak.
func (s *Service) PartialImport(ctx context.Context, r *model.Realm, rep *kcrep.PartialImportRepresentation) (kcrep.PartialImportResults, error) {
	pi := &partialImport{s: s, rep: rep, policy: rep.IfResourceExists}
	if pi.policy == "" {
		pi.policy = kcrep.PolicyFail
	}
	switch pi.policy {
	case kcrep.PolicyFail, kcrep.PolicySkip, kcrep.PolicyOverwrite:
	default:
		return pi.res, invalidf("ifResourceExists must be FAIL, SKIP or OVERWRITE, not %q", rep.IfResourceExists)
	}
	if err := pi.validate(); err != nil {
		return pi.res, err
	}
	now := s.now()
	for i := range rep.Users {
		p, err := s.prepareUser(ctx, r, &rep.Users[i], now, fmt.Sprintf("users[%d]", i))
		if err != nil {
			return pi.res, err
		}
		pi.users = append(pi.users, p)
	}
	err := s.Store.InTx(ctx, func(tx store.Store) error {
		pi.res = kcrep.PartialImportResults{}
		var err error
		if pi.b, err = loadBuilt(ctx, tx, r); err != nil {
			return err
		}
		pi.gi = newGroupIndex(r.ID)
		if err := pi.prepare(ctx, tx); err != nil {
			return err
		}
		for _, step := range []func(context.Context, store.Store) error{
			pi.clients, pi.roles, pi.identityProviders, pi.groups, pi.insertUsers,
		} {
			if err := step(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return kcrep.PartialImportResults{}, err
	}
	if pi.res.Results == nil {
		pi.res.Results = []kcrep.PartialImportResult{}
	}
	return pi.res, nil
}

// validate refuses resources without the name Keycloak identifies them by.
func (pi *partialImport) validate() error {
	for i := range pi.rep.Users {
		if pi.rep.Users[i].Username == "" && pi.rep.Users[i].Email == "" {
			return invalidf("users[%d]: a user needs a username", i)
		}
	}
	for i := range pi.rep.Clients {
		if pi.rep.Clients[i].ClientID == "" {
			return invalidf("clients[%d]: a client needs a clientId", i)
		}
	}
	for i := range pi.rep.Groups {
		if strings.TrimSpace(pi.rep.Groups[i].Name) == "" {
			return invalidf("groups[%d]: a group needs a name", i)
		}
	}
	if rr := pi.rep.Roles; rr != nil {
		for i := range rr.Realm {
			if rr.Realm[i].Name == "" {
				return invalidf("Realm role to import does not have a name")
			}
		}
		for _, roles := range clientRoleSets(rr) {
			for i := range roles {
				if roles[i].Name == "" {
					return invalidf("Client role to import does not have a name")
				}
			}
		}
	}
	return nil
}

// groupPath is the path a group of the import is looked up by: its path,
// or "/name" for a representation without one.
func groupPath(g *kcrep.GroupRepresentation) string {
	if g.Path != "" {
		return cleanPath(g.Path)
	}
	return "/" + g.Name
}

// userName is how Keycloak names a user in results and messages.
func userName(u *kcrep.UserRepresentation) string {
	if u.Username != "" {
		return u.Username
	}
	return u.Email
}

// prepare finds what exists, before anything is written, and applies FAIL.
func (pi *partialImport) prepare(ctx context.Context, tx store.Store) error {
	fail := pi.policy == kcrep.PolicyFail
	pi.clientExists = map[int]bool{}
	for i := range pi.rep.Clients {
		if _, ok := pi.b.Clients[pi.rep.Clients[i].ClientID]; ok {
			if fail {
				return existsErr("Client id '%s' already exists", pi.rep.Clients[i].ClientID)
			}
			pi.clientExists[i] = true
		}
	}
	pi.realmRoleEx = map[int]bool{}
	pi.clientRoleEx = map[string]map[int]bool{}
	if rr := pi.rep.Roles; rr != nil {
		for i := range rr.Realm {
			if _, ok := pi.b.RealmRoles[rr.Realm[i].Name]; ok {
				if fail {
					return existsErr("Realm role '%s' already exists.", rr.Realm[i].Name)
				}
				pi.realmRoleEx[i] = true
			}
		}
		sets := clientRoleSets(rr)
		for _, cid := range slices.Sorted(maps.Keys(sets)) {
			_, exists := pi.b.Clients[cid]
			if !exists && !slices.ContainsFunc(pi.rep.Clients, func(c kcrep.ClientRepresentation) bool { return c.ClientID == cid }) {
				return &PartialImportError{Kind: ErrNoSuchClient,
					Message: "Can not import client roles for nonexistent client named " + cid}
			}
			pi.clientRoleEx[cid] = map[int]bool{}
			for i, role := range sets[cid] {
				if _, ok := pi.b.ClientRole[cid][role.Name]; ok {
					if fail {
						return existsErr("Client role '%s' for client '%s' already exists.", role.Name, cid)
					}
					pi.clientRoleEx[cid][i] = true
				}
			}
		}
	}
	pi.groupExists = map[int]string{}
	for i := range pi.rep.Groups {
		g := &pi.rep.Groups[i]
		found, err := tx.GetGroupByPath(ctx, pi.b.Realm.ID, groupPath(g))
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if fail {
			return existsErr("Group '%s' already exists", groupPath(g))
		}
		pi.groupExists[i] = found.ID
	}
	pi.userExists = map[int]string{}
	for i := range pi.rep.Users {
		u := &pi.rep.Users[i]
		id, err := pi.findUser(ctx, tx, u)
		if err != nil {
			return err
		}
		if id == "" {
			continue
		}
		if fail {
			if u.Email == "" || !pi.b.Realm.DuplicateEmailsAllowed {
				return existsErr("User with user name %s already exists.", userName(u))
			}
			return existsErr("User with user name %s or with email %s already exists.", userName(u), u.Email)
		}
		pi.userExists[i] = id
	}
	return nil
}

// findUser returns the id of the user u collides with: same username, or
// same email where emails are unique; "" when none.
func (pi *partialImport) findUser(ctx context.Context, tx store.Store, u *kcrep.UserRepresentation) (string, error) {
	realmID := pi.b.Realm.ID
	if name := strings.ToLower(strings.TrimSpace(u.Username)); name != "" {
		found, err := tx.GetUserByUsername(ctx, realmID, name)
		if err == nil {
			return found.ID, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	if email := strings.ToLower(strings.TrimSpace(u.Email)); email != "" && !pi.b.Realm.DuplicateEmailsAllowed {
		found, err := tx.GetUserByEmail(ctx, realmID, email)
		if err == nil {
			return found.ID, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	return "", nil
}

func (pi *partialImport) add(action, typ, name, id string) {
	pi.res.Add(kcrep.PartialImportResult{Action: action, ResourceType: typ, ResourceName: name, ID: id})
}

// clients creates or, with OVERWRITE, updates in place the clients.
func (pi *partialImport) clients(ctx context.Context, tx store.Store) error {
	for i := range pi.rep.Clients {
		cr := &pi.rep.Clients[i]
		c := ClientFromRepresentation(cr)
		c.RealmID = pi.b.Realm.ID
		existing := pi.b.Clients[cr.ClientID]
		if c.Secret == MaskedSecret {
			// A partial export's mask: an overwritten client keeps its
			// secret, a new one gets a fresh one.
			c.Secret = ""
			if pi.clientExists[i] {
				c.Secret = existing.Secret
			}
		}
		if !c.PublicClient && !c.BearerOnly && c.Secret == "" {
			c.Secret = GenerateSecret()
		}
		switch {
		case pi.clientExists[i] && pi.policy == kcrep.PolicySkip:
			pi.add(kcrep.ActionSkipped, kcrep.ResourceClient, cr.ClientID, existing.ID)
			continue
		case pi.clientExists[i]:
			c.ID = existing.ID
			if err := tx.UpdateClient(ctx, &c); err != nil {
				return fmt.Errorf("clients[%d] (%s): %w", i, cr.ClientID, err)
			}
			*existing = c
			pi.add(kcrep.ActionOverwritten, kcrep.ResourceClient, cr.ClientID, c.ID)
		default:
			c.ID = uuid.NewString()
			if err := tx.CreateClient(ctx, &c); err != nil {
				return fmt.Errorf("clients[%d] (%s): %w", i, cr.ClientID, err)
			}
			pi.b.Clients[c.ClientID] = &c
			pi.b.ClientRole[c.ClientID] = map[string]*model.Role{}
			pi.add(kcrep.ActionAdded, kcrep.ResourceClient, cr.ClientID, c.ID)
		}
		if err := pi.serviceAccount(ctx, tx, pi.b.Clients[cr.ClientID]); err != nil {
			return err
		}
	}
	return nil
}

// serviceAccount gives a client with service accounts on its user, unless
// it has one or the import brings one.
func (pi *partialImport) serviceAccount(ctx context.Context, tx store.Store, c *model.Client) error {
	if !c.ServiceAccountsEnabled {
		return nil
	}
	if slices.ContainsFunc(pi.rep.Users, func(u kcrep.UserRepresentation) bool { return u.ServiceAccountClientID == c.ClientID }) {
		return nil
	}
	_, err := tx.GetServiceAccountUser(ctx, pi.b.Realm.ID, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return CreateServiceAccount(ctx, tx, pi.b.Realm, c)
	}
	return err
}

// identityProviders reports each identity provider as skipped: latchkey
// has no identity brokering.
func (pi *partialImport) identityProviders(ctx context.Context, tx store.Store) error {
	var idps []struct {
		Alias string `json:"alias"`
	}
	if isEmptyJSON(pi.rep.IdentityProviders) {
		return nil
	}
	if err := unmarshal(pi.rep.IdentityProviders, &idps); err != nil {
		return invalidf("identityProviders: %w", err)
	}
	for _, idp := range idps {
		pi.add(kcrep.ActionSkipped, kcrep.ResourceIDP, idp.Alias, "")
	}
	return nil
}

// groups creates top-level groups with their subtrees; with OVERWRITE an
// existing group (its subgroups, memberships and role mappings with it)
// is deleted first, as Keycloak does.
func (pi *partialImport) groups(ctx context.Context, tx store.Store) error {
	for i := range pi.rep.Groups {
		gr := pi.rep.Groups[i]
		path := groupPath(&gr)
		if id, ok := pi.groupExists[i]; ok {
			if pi.policy == kcrep.PolicySkip {
				pi.add(kcrep.ActionSkipped, kcrep.ResourceGroup, gr.Name, id)
				continue
			}
			if err := tx.DeleteGroup(ctx, pi.b.Realm.ID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			// Paths under the deleted group are stale.
			for p := range pi.gi.byPath {
				if p == path || strings.HasPrefix(p, path+"/") {
					delete(pi.gi.byPath, p)
				}
			}
		}
		action := kcrep.ActionAdded
		if _, ok := pi.groupExists[i]; ok {
			action = kcrep.ActionOverwritten
		}
		// Keycloak imports a group of a partial import at the top level.
		gr.Path = ""
		fresh := freshGroupIDs([]kcrep.GroupRepresentation{gr})
		var made *model.Group
		if err := importGroups(ctx, tx, pi.b, pi.gi, nil, fresh, fmt.Sprintf("groups[%d]", i),
			func(_ *kcrep.GroupRepresentation, g *model.Group) { made = g }); err != nil {
			return err
		}
		pi.add(action, kcrep.ResourceGroup, gr.Name, made.ID)
	}
	return nil
}

// freshGroupIDs copies a group tree without its ids: new groups get new
// ids, so that a partial export of one realm imports into another.
func freshGroupIDs(groups []kcrep.GroupRepresentation) []kcrep.GroupRepresentation {
	out := slices.Clone(groups)
	for i := range out {
		out[i].ID = ""
		out[i].SubGroups = freshGroupIDs(out[i].SubGroups)
	}
	return out
}

// insertUsers creates the users; with OVERWRITE the existing user is
// deleted first, as Keycloak does.
func (pi *partialImport) insertUsers(ctx context.Context, tx store.Store) error {
	realmID := pi.b.Realm.ID
	for i := range pi.users {
		p := pi.users[i] // a copy: the transaction may run again
		p.creds = slices.Clone(p.creds)
		name := userName(p.rep)
		action := kcrep.ActionAdded
		if id, ok := pi.userExists[i]; ok {
			if pi.policy == kcrep.PolicySkip {
				pi.add(kcrep.ActionSkipped, kcrep.ResourceUser, name, id)
				continue
			}
			if err := tx.DeleteUser(ctx, realmID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			action = kcrep.ActionOverwritten
		}
		p.user.ID = uuid.NewString()
		if cid := p.rep.ServiceAccountClientID; cid != "" {
			c, ok := pi.b.Clients[cid]
			if !ok {
				return invalidf("users[%d] (%s): serviceAccountClientId %q: no such client", i, name, cid)
			}
			p.user.ServiceAccountClientID = c.ID
			// The file's service-account user replaces the client's.
			old, err := tx.GetServiceAccountUser(ctx, realmID, c.ID)
			if err == nil {
				err = tx.DeleteUser(ctx, realmID, old.ID)
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		roleIDs, err := mappedRoles(ctx, tx, pi.b, p.rep.RealmRoles, p.rep.ClientRoles)
		if err != nil {
			return fmt.Errorf("users[%d] (%s): %w", i, name, err)
		}
		if err := insertImportedUser(ctx, tx, pi.b, pi.gi, &p.user, p.creds, roleIDs, p.rep.Groups); err != nil {
			if errors.Is(err, user.ErrExists) {
				return existsErr("User with user name %s or with email %s already exists.", name, p.rep.Email)
			}
			return fmt.Errorf("users[%d] (%s): %w", i, name, err)
		}
		pi.add(action, kcrep.ResourceUser, name, p.user.ID)
	}
	return nil
}

// prepareUser converts one user of a file and checks and hashes its plain
// passwords: the slow part, done before any transaction.
func (s *Service) prepareUser(ctx context.Context, r *model.Realm, ur *kcrep.UserRepresentation, now time.Time, where string) (preparedUser, error) {
	p := preparedUser{rep: ur, user: model.User{
		ID: ur.ID, Username: ur.Username, Email: ur.Email, FirstName: ur.FirstName,
		LastName: ur.LastName, Enabled: ur.Enabled != nil && *ur.Enabled,
		EmailVerified: ur.EmailVerified != nil && *ur.EmailVerified,
		CreatedAt:     millis(ur.CreatedTimestamp, now),
		Attributes:    maps.Clone(ur.Attributes), RequiredActions: slices.Clone(ur.RequiredActions),
	}}
	if p.user.Username == "" {
		// Keycloak names a user without a username by its email.
		p.user.Username = ur.Email
	}
	if ur.NotBefore != nil {
		p.user.NotBefore = *ur.NotBefore
	}
	for j := range ur.Credentials {
		c, keep, err := s.credentialFromRep(ctx, r, &p.user, &ur.Credentials[j], now)
		if err != nil {
			return p, fmt.Errorf("%s (%s).credentials[%d]: %w", where, ur.Username, j, err)
		}
		if !keep {
			s.Log.Warn("import: credential of an unsupported legacy form left aside",
				"realm", r.Name, "user", ur.Username, "type", ur.Credentials[j].Type)
			continue
		}
		if ur.Credentials[j].Temporary != nil && *ur.Credentials[j].Temporary &&
			!slices.Contains(p.user.RequiredActions, "UPDATE_PASSWORD") {
			p.user.RequiredActions = append(p.user.RequiredActions, "UPDATE_PASSWORD")
		}
		p.creds = append(p.creds, c)
	}
	return p, nil
}
