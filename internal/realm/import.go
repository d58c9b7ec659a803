package realm

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/credential"
	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/user"
)

// Import creates a realm from a Keycloak RealmRepresentation with its roles,
// clients, groups (tree, attributes, role mappings, default groups) and
// users (role mappings, group memberships and credentials included), in one
// transaction. Passwords given as plain values must satisfy the realm's
// policy, as in Keycloak, and are hashed before the transaction starts;
// hashed credentials are stored as they are, without the policy, once they
// are known to be verifiable.
func (s *Service) Import(ctx context.Context, rep *kcrep.RealmRepresentation) (*model.Realm, error) {
	if rep.Realm == MasterRealm {
		return nil, invalidf("importing the master realm is not supported")
	}
	r := FromRepresentation(rep)
	if err := s.Passwords.ValidatePolicy(r.PasswordPolicy); err != nil {
		return nil, fmt.Errorf("passwordPolicy: %w", err)
	}
	users, err := s.prepareUsers(ctx, &r, rep)
	if err != nil {
		return nil, err
	}
	clients := make([]model.Client, 0, len(rep.Clients))
	for i := range rep.Clients {
		c := ClientFromRepresentation(&rep.Clients[i])
		if !c.PublicClient && !c.BearerOnly && c.Secret == "" {
			c.Secret = GenerateSecret()
		}
		clients = append(clients, c)
	}
	imp := &importer{rep: rep, users: users}
	if err := s.Create(ctx, &r, Contents{Clients: clients, Fill: imp.fill}); err != nil {
		return nil, err
	}
	return &r, nil
}

type preparedUser struct {
	rep   *kcrep.UserRepresentation
	user  model.User
	creds []model.Credential
}

// prepareUsers converts users, checks and hashes plain passwords: the slow
// part, done before the transaction.
func (s *Service) prepareUsers(ctx context.Context, r *model.Realm, rep *kcrep.RealmRepresentation) ([]preparedUser, error) {
	now := s.now()
	out := make([]preparedUser, 0, len(rep.Users))
	for i := range rep.Users {
		ur := &rep.Users[i]
		u := model.User{
			ID: ur.ID, Username: ur.Username, Email: ur.Email, FirstName: ur.FirstName,
			LastName: ur.LastName, Enabled: ur.Enabled != nil && *ur.Enabled,
			EmailVerified: ur.EmailVerified != nil && *ur.EmailVerified,
			CreatedAt:     millis(ur.CreatedTimestamp, now),
			Attributes:    maps.Clone(ur.Attributes), RequiredActions: slices.Clone(ur.RequiredActions),
		}
		if ur.NotBefore != nil {
			u.NotBefore = *ur.NotBefore
		}
		p := preparedUser{rep: ur, user: u}
		for j := range ur.Credentials {
			c, keep, err := s.credentialFromRep(ctx, r, &p.user, &ur.Credentials[j], now)
			if err != nil {
				return nil, fmt.Errorf("users[%d] (%s).credentials[%d]: %w", i, ur.Username, j, err)
			}
			if !keep {
				s.Log.Warn("import: credential of an unsupported legacy form left aside",
					"realm", rep.Realm, "user", ur.Username, "type", ur.Credentials[j].Type)
				continue
			}
			if ur.Credentials[j].Temporary != nil && *ur.Credentials[j].Temporary &&
				!slices.Contains(p.user.RequiredActions, "UPDATE_PASSWORD") {
				p.user.RequiredActions = append(p.user.RequiredActions, "UPDATE_PASSWORD")
			}
			p.creds = append(p.creds, c)
		}
		out = append(out, p)
	}
	return out, nil
}

func isPasswordType(t string) bool {
	return t == model.CredentialPassword || t == model.CredentialPasswordHistory
}

// credentialFromRep turns one credential of a realm file into a stored
// credential. keep is false for a legacy non-password credential (old OTP
// exports), which latchkey does not model.
func (s *Service) credentialFromRep(ctx context.Context, r *model.Realm, u *model.User, cr *kcrep.CredentialRepresentation, now time.Time) (model.Credential, bool, error) {
	c := model.Credential{ID: cr.ID, Type: cr.Type, UserLabel: cr.UserLabel,
		CreatedAt: millis(cr.CreatedDate, now), Priority: 10}
	if c.Type == "" {
		c.Type = model.CredentialPassword
	}
	if cr.Priority != nil {
		c.Priority = *cr.Priority
	}
	switch {
	case cr.Value != "":
		if c.Type != model.CredentialPassword {
			return c, false, invalidf("a plain value is only accepted for password credentials, not %q", c.Type)
		}
		if err := s.Passwords.Check(ctx, r, u, cr.Value); err != nil {
			return c, false, err
		}
		hashed, err := s.Passwords.NewCredential(ctx, r, cr.Value)
		if err != nil {
			return c, false, err
		}
		c.SecretData, c.CredentialData = hashed.SecretData, hashed.CredentialData
	case cr.SecretData != "" || cr.CredentialData != "":
		c.SecretData, c.CredentialData = cr.SecretData, cr.CredentialData
	case cr.HashedSaltedValue != "":
		if !isPasswordType(c.Type) {
			return c, false, nil
		}
		// Keycloak's legacy export form (convertDeprecatedCredentialsFormat).
		iterations := 0
		if cr.HashIterations != nil {
			iterations = *cr.HashIterations
		}
		e, err := credential.EncodeLegacy(cr.HashedSaltedValue, cr.Salt, cr.Algorithm, iterations)
		if err != nil {
			return c, false, err
		}
		c.SecretData, c.CredentialData = e.SecretData, e.CredentialData
	default:
		return c, false, invalidf("credential has neither value nor secretData")
	}
	if isPasswordType(c.Type) && cr.Value == "" {
		// Keycloak accepts any algorithm here and fails the login later,
		// silently; refusing the file now names the problem.
		e := credential.Encoded{SecretData: c.SecretData, CredentialData: c.CredentialData}
		if err := credential.Validate(e); err != nil {
			alg, _, _ := credential.Describe(e)
			return c, false, invalidf("password hash with algorithm %q cannot be verified: %w", alg, err)
		}
	}
	return c, true, nil
}

// importer fills a realm being imported, inside its transaction.
type importer struct {
	rep   *kcrep.RealmRepresentation
	users []preparedUser
}

func (im *importer) fill(ctx context.Context, tx store.Store, b *Built) error {
	if err := im.roles(ctx, tx, b); err != nil {
		return err
	}
	if err := im.composites(ctx, tx, b); err != nil {
		return err
	}
	if err := im.defaultRoles(ctx, tx, b); err != nil {
		return err
	}
	gi := newGroupIndex(b.Realm.ID)
	if err := importGroups(ctx, tx, b, gi, nil, im.rep.Groups, "groups", nil); err != nil {
		return err
	}
	if err := im.insertUsers(ctx, tx, b, gi); err != nil {
		return err
	}
	// After the users: an import does not make them join default groups.
	return setDefaultGroups(ctx, tx, b.Realm.ID, gi, im.rep.DefaultGroups)
}

// roles creates the file's roles; a role that is also a built-in takes the
// file's description and attributes.
func (im *importer) roles(ctx context.Context, tx store.Store, b *Built) error {
	if im.rep.Roles == nil {
		return nil
	}
	for i := range im.rep.Roles.Realm {
		if err := upsertRole(ctx, tx, b, b.RealmRoles, "", &im.rep.Roles.Realm[i]); err != nil {
			return fmt.Errorf("roles.realm[%d]: %w", i, err)
		}
	}
	for clientID, roles := range clientRoleSets(im.rep.Roles) {
		c, ok := b.Clients[clientID]
		if !ok {
			return invalidf("roles.client.%s: no such client", clientID)
		}
		if b.ClientRole[clientID] == nil {
			b.ClientRole[clientID] = map[string]*model.Role{}
		}
		for i := range roles {
			if err := upsertRole(ctx, tx, b, b.ClientRole[clientID], c.ID, &roles[i]); err != nil {
				return fmt.Errorf("roles.client.%s[%d]: %w", clientID, i, err)
			}
		}
	}
	return nil
}

// clientRoleSets merges the modern "client" and the legacy "application" keys.
func clientRoleSets(rr *kcrep.RolesRepresentation) map[string][]kcrep.RoleRepresentation {
	out := map[string][]kcrep.RoleRepresentation{}
	for k, v := range rr.Application {
		out[k] = append(out[k], v...)
	}
	for k, v := range rr.Client {
		out[k] = append(out[k], v...)
	}
	return out
}

func upsertRole(ctx context.Context, tx store.Store, b *Built, known map[string]*model.Role, clientID string, rr *kcrep.RoleRepresentation) error {
	if existing, ok := known[rr.Name]; ok {
		existing.Description = rr.Description
		existing.Attributes = maps.Clone(rr.Attributes)
		return tx.UpdateRole(ctx, existing)
	}
	role := &model.Role{ID: rr.ID, RealmID: b.Realm.ID, ClientID: clientID, Name: rr.Name,
		Description: rr.Description, Attributes: maps.Clone(rr.Attributes)}
	if err := tx.CreateRole(ctx, role); err != nil {
		return err
	}
	known[rr.Name] = role
	return nil
}

// composites links the file's composite roles, by name, once every role exists.
func (im *importer) composites(ctx context.Context, tx store.Store, b *Built) error {
	if im.rep.Roles == nil {
		return nil
	}
	link := func(where string, parent *model.Role, comp *kcrep.Composites) error {
		if comp == nil {
			return nil
		}
		children, err := resolveRoles(b, comp.Realm, mergeClientNames(comp.Client, comp.Application))
		if err != nil {
			return fmt.Errorf("%s.composites: %w", where, err)
		}
		if len(children) == 0 {
			return nil
		}
		return tx.AddComposites(ctx, b.Realm.ID, parent.ID, children)
	}
	for i := range im.rep.Roles.Realm {
		rr := &im.rep.Roles.Realm[i]
		if err := link(fmt.Sprintf("roles.realm[%d]", i), b.RealmRoles[rr.Name], rr.Composites); err != nil {
			return err
		}
	}
	for clientID, roles := range clientRoleSets(im.rep.Roles) {
		for i := range roles {
			parent := b.ClientRole[clientID][roles[i].Name]
			if err := link(fmt.Sprintf("roles.client.%s[%d]", clientID, i), parent, roles[i].Composites); err != nil {
				return err
			}
		}
	}
	return nil
}

func mergeClientNames(a, b map[string][]string) map[string][]string {
	out := maps.Clone(a)
	if out == nil {
		out = map[string][]string{}
	}
	for k, v := range b {
		out[k] = append(out[k], v...)
	}
	return out
}

// resolveRoles turns role names into ids.
func resolveRoles(b *Built, realmNames []string, clientNames map[string][]string) ([]string, error) {
	var ids []string
	for _, n := range realmNames {
		r, ok := b.RealmRoles[n]
		if !ok {
			return nil, invalidf("realm role %q does not exist", n)
		}
		ids = append(ids, r.ID)
	}
	for clientID, names := range clientNames {
		for _, n := range names {
			r, ok := b.ClientRole[clientID][n]
			if !ok {
				return nil, invalidf("client role %s/%s does not exist", clientID, n)
			}
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// defaultRoles applies the legacy defaultRoles list (realm role names) to
// default-roles-{realm}; the modern form arrives as that role's composites.
func (im *importer) defaultRoles(ctx context.Context, tx store.Store, b *Built) error {
	if len(im.rep.DefaultRoles) == 0 {
		return nil
	}
	ids, err := resolveRoles(b, im.rep.DefaultRoles, nil)
	if err != nil {
		return fmt.Errorf("defaultRoles: %w", err)
	}
	return tx.AddComposites(ctx, b.Realm.ID, b.Realm.DefaultRoleID, ids)
}

func (im *importer) insertUsers(ctx context.Context, tx store.Store, b *Built, gi *groupIndex) error {
	withSA := map[string]bool{}
	for i := range im.users {
		p := &im.users[i]
		if cid := p.rep.ServiceAccountClientID; cid != "" {
			c, ok := b.Clients[cid]
			if !ok {
				return invalidf("users[%d] (%s): serviceAccountClientId %q: no such client", i, p.rep.Username, cid)
			}
			p.user.ServiceAccountClientID = c.ID
			withSA[cid] = true
		}
		roleIDs, err := mappedRoles(ctx, tx, b, p.rep.RealmRoles, p.rep.ClientRoles)
		if err != nil {
			return fmt.Errorf("users[%d] (%s): %w", i, p.rep.Username, err)
		}
		if err := insertImportedUser(ctx, tx, b, gi, &p.user, p.creds, roleIDs, p.rep.Groups); err != nil {
			return fmt.Errorf("users[%d] (%s): %w", i, p.rep.Username, err)
		}
	}
	// A client with service accounts on needs its service-account user even
	// when the file does not carry one.
	for _, c := range sortedClients(b) {
		if c.ServiceAccountsEnabled && !withSA[c.ClientID] {
			if err := CreateServiceAccount(ctx, tx, b.Realm, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// mappedRoles resolves a user's role mappings by name. As Keycloak's import
// does (RepresentationToModel.createRoleMappings), a role a user is mapped
// to but the file does not define is created; an unknown client is an error.
func mappedRoles(ctx context.Context, tx store.Store, b *Built, realmNames []string, clientNames map[string][]string) ([]string, error) {
	var ids []string
	ensure := func(known map[string]*model.Role, clientID, name string) error {
		name = strings.TrimSpace(name)
		role, ok := known[name]
		if !ok {
			role = &model.Role{RealmID: b.Realm.ID, ClientID: clientID, Name: name}
			if err := tx.CreateRole(ctx, role); err != nil {
				return err
			}
			known[name] = role
		}
		ids = append(ids, role.ID)
		return nil
	}
	for _, n := range realmNames {
		if err := ensure(b.RealmRoles, "", n); err != nil {
			return nil, err
		}
	}
	for _, clientID := range slices.Sorted(maps.Keys(clientNames)) {
		c, ok := b.Clients[clientID]
		if !ok {
			return nil, invalidf("client role mappings for unknown client %q", clientID)
		}
		if b.ClientRole[clientID] == nil {
			b.ClientRole[clientID] = map[string]*model.Role{}
		}
		for _, n := range clientNames[clientID] {
			if err := ensure(b.ClientRole[clientID], c.ID, n); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

func sortedClients(b *Built) []*model.Client {
	keys := slices.Sorted(maps.Keys(b.Clients))
	out := make([]*model.Client, 0, len(keys))
	for _, k := range keys {
		out = append(out, b.Clients[k])
	}
	return out
}

// CreateServiceAccount creates the service-account-{clientId} user of c.
func CreateServiceAccount(ctx context.Context, tx store.Store, r *model.Realm, c *model.Client) error {
	u := &model.User{Username: "service-account-" + strings.ToLower(c.ClientID), Enabled: true,
		ServiceAccountClientID: c.ID}
	if err := user.Insert(ctx, tx, r, u, nil, nil); err != nil {
		return fmt.Errorf("service account of %s: %w", c.ClientID, err)
	}
	return nil
}

// GenerateSecret makes a client secret as Keycloak does: 32 random
// alphanumeric characters (rejection sampling keeps them uniform).
func GenerateSecret() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	const limit = 256 - 256%len(alphabet)
	out := make([]byte, 0, 32)
	var buf [64]byte
	for len(out) < cap(out) {
		_, _ = rand.Read(buf[:])
		for _, c := range buf {
			if int(c) < limit && len(out) < cap(out) {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}
