package realm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
)

// Errors the service reports; handlers map them to Keycloak's answers.
var (
	ErrExists          = errors.New("realm: a realm with that name exists")
	ErrMasterProtected = errors.New("realm: the master realm cannot be deleted or renamed")
	ErrNoMaster        = errors.New("realm: the master realm does not exist yet")
	// ErrInvalid marks a representation that cannot be applied as it is
	// (unknown roles or clients, unverifiable hashes, bad values); its
	// message names the place.
	ErrInvalid = errors.New("invalid realm representation")
)

// invalidError carries a message that names the problem, and is
// ErrInvalid for errors.Is.
type invalidError struct{ err error }

func (e *invalidError) Error() string        { return e.err.Error() }
func (e *invalidError) Unwrap() error        { return e.err }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

func invalidf(format string, a ...any) error {
	return &invalidError{fmt.Errorf(format, a...)}
}

// Service owns realm lifecycle.
type Service struct {
	Store store.Store
	Log   *slog.Logger
	Now   func() time.Time
	// Passwords checks and hashes the passwords that realm creation and
	// import set (the bootstrap admin's, plain values in a realm file).
	Passwords *password.Service
}

// Built is what Create made, handed to the fill function so that callers
// (import, the admin API) can add roles, clients and users in the same
// transaction and refer to the built-ins.
type Built struct {
	Realm      *model.Realm
	Clients    map[string]*model.Client          // by clientId
	RealmRoles map[string]*model.Role            // by name
	ClientRole map[string]map[string]*model.Role // clientId -> name -> role
}

// FillFunc adds to a realm being created, inside Create's transaction.
type FillFunc func(ctx context.Context, tx store.Store, b *Built) error

// Contents is what a caller adds to a realm being created.
type Contents struct {
	// Clients are created before the built-ins; a built-in client whose
	// clientId is among them is not created again (its roles are added to
	// the given one), as Keycloak's import does.
	Clients []model.Client
	// Fill runs after the built-ins, in the same transaction.
	Fill FillFunc
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Create makes realm r with Keycloak's built-ins and the given contents in
// one transaction: either all of it is written or nothing. Any realm but
// master needs master to exist, since master holds the {realm}-realm client
// its administrators use.
func (s *Service) Create(ctx context.Context, r *model.Realm, contents Contents) error {
	if r.ID == "" {
		r.ID = uuid.NewString()
	}
	now := s.now()
	// Key generation takes tens of milliseconds: do it before the
	// transaction so the writer is not held and a retry does not redo it.
	keys, err := signing.NewRealmKeys(r.ID, r.Name, now)
	if err != nil {
		return err
	}
	// A realm that signs with ES256 or EdDSA gets a key of that type too
	// (the RS256 key stays: Keycloak realms always have one).
	if alg := r.DefaultSignatureAlgorithm; alg != "" && alg != signing.RS256 {
		k, err := signing.NewKey(r.ID, r.Name, alg, now)
		if err != nil {
			return fmt.Errorf("realm: defaultSignatureAlgorithm: %w", err)
		}
		keys = append(keys, k)
	}
	err = s.Store.InTx(ctx, func(tx store.Store) error {
		created := *r
		created.CreatedAt = now
		if err := tx.CreateRealm(ctx, &created); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("%w: %s", ErrExists, r.Name)
			}
			return err
		}
		for i := range keys {
			if err := tx.CreateKey(ctx, &keys[i]); err != nil {
				return err
			}
		}
		b := &Built{Realm: &created, Clients: map[string]*model.Client{},
			RealmRoles: map[string]*model.Role{}, ClientRole: map[string]map[string]*model.Role{}}
		for _, c := range contents.Clients {
			if err := s.addClient(ctx, tx, b, c); err != nil {
				return err
			}
		}
		if err := s.builtins(ctx, tx, b); err != nil {
			return err
		}
		if contents.Fill != nil {
			if err := contents.Fill(ctx, tx, b); err != nil {
				return err
			}
		}
		*r = *b.Realm
		return nil
	})
	return err
}

// builtins creates the roles and clients of a new realm.
func (s *Service) builtins(ctx context.Context, tx store.Store, b *Built) error {
	r := b.Realm
	realmRoles, err := createRoles(ctx, tx, r.ID, "", []string{"offline_access", "uma_authorization"})
	if err != nil {
		return err
	}
	for name, role := range realmRoles {
		b.RealmRoles[name] = role
	}
	for _, c := range builtinClients(r.Name) {
		if _, given := b.Clients[c.ClientID]; given {
			continue
		}
		if err := s.addClient(ctx, tx, b, c); err != nil {
			return err
		}
	}
	account := b.Clients["account"]
	accountRoleNames := make([]string, 0, len(accountRoles))
	for _, ar := range accountRoles {
		accountRoleNames = append(accountRoleNames, ar.name)
	}
	accRoles, err := createRoles(ctx, tx, r.ID, account.ID, accountRoleNames)
	if err != nil {
		return err
	}
	b.ClientRole["account"] = accRoles
	for _, ar := range accountRoles {
		if err := link(ctx, tx, r.ID, accRoles, ar.name, ar.comps); err != nil {
			return err
		}
	}

	defaultRole := &model.Role{RealmID: r.ID, Name: "default-roles-" + strings.ToLower(r.Name),
		Description: "${role_default-roles}"}
	if err := tx.CreateRole(ctx, defaultRole); err != nil {
		return err
	}
	b.RealmRoles[defaultRole.Name] = defaultRole
	if err := tx.AddComposites(ctx, r.ID, defaultRole.ID, []string{
		realmRoles["offline_access"].ID, realmRoles["uma_authorization"].ID,
		accRoles["view-profile"].ID, accRoles["manage-account"].ID,
	}); err != nil {
		return err
	}
	r.DefaultRoleID = defaultRole.ID

	if r.Name == MasterRealm {
		if err := s.masterAdmin(ctx, tx, b); err != nil {
			return err
		}
	} else if err := s.realmManagement(ctx, tx, b); err != nil {
		return err
	}
	return tx.UpdateRealm(ctx, r)
}

func (s *Service) addClient(ctx context.Context, tx store.Store, b *Built, c model.Client) error {
	c.RealmID = b.Realm.ID
	if err := tx.CreateClient(ctx, &c); err != nil {
		return fmt.Errorf("realm: client %s: %w", c.ClientID, err)
	}
	b.Clients[c.ClientID] = &c
	return nil
}

// realmManagement creates the realm-management client of a non-master realm
// and the {realm}-realm client in master that master admins act through.
func (s *Service) realmManagement(ctx context.Context, tx store.Store, b *Built) error {
	r := b.Realm
	if _, given := b.Clients["realm-management"]; !given {
		if err := s.addClient(ctx, tx, b, adminClient("realm-management", "${client_realm-management}")); err != nil {
			return err
		}
	}
	roles, err := adminRoleSet(ctx, tx, r.ID, b.Clients["realm-management"].ID, true)
	if err != nil {
		return err
	}
	b.ClientRole["realm-management"] = roles

	master, err := tx.GetRealmByName(ctx, MasterRealm)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoMaster
	} else if err != nil {
		return err
	}
	return s.masterClientFor(ctx, tx, master, r.Name)
}

// masterClientFor creates {name}-realm in master with the admin roles and
// adds them to master's admin role.
func (s *Service) masterClientFor(ctx context.Context, tx store.Store, master *model.Realm, name string) error {
	c := adminClient(name+"-realm", name+" Realm")
	c.RealmID = master.ID
	if err := tx.CreateClient(ctx, &c); err != nil {
		return fmt.Errorf("realm: %s-realm client in master: %w", name, err)
	}
	roles, err := adminRoleSet(ctx, tx, master.ID, c.ID, false)
	if err != nil {
		return err
	}
	admin, err := tx.GetRoleByName(ctx, master.ID, "", "admin")
	if err != nil {
		return fmt.Errorf("realm: master admin role: %w", err)
	}
	return tx.AddComposites(ctx, master.ID, admin.ID, ids(roles))
}

// masterAdmin creates master's admin and create-realm roles and the
// master-realm client.
func (s *Service) masterAdmin(ctx context.Context, tx store.Store, b *Built) error {
	r := b.Realm
	roles, err := createRoles(ctx, tx, r.ID, "", []string{"admin", "create-realm"})
	if err != nil {
		return err
	}
	for name, role := range roles {
		b.RealmRoles[name] = role
	}
	if err := tx.AddComposites(ctx, r.ID, roles["admin"].ID, []string{roles["create-realm"].ID}); err != nil {
		return err
	}
	return s.masterClientFor(ctx, tx, r, MasterRealm)
}

// adminRoleSet creates the admin roles on a client, with Keycloak's
// composites, and realm-admin over all of them when withRealmAdmin.
func adminRoleSet(ctx context.Context, tx store.Store, realmID, clientID string, withRealmAdmin bool) (map[string]*model.Role, error) {
	roles, err := createRoles(ctx, tx, realmID, clientID, AdminRoles)
	if err != nil {
		return nil, err
	}
	for parent, children := range adminComposites {
		if err := link(ctx, tx, realmID, roles, parent, children); err != nil {
			return nil, err
		}
	}
	if withRealmAdmin {
		ra := &model.Role{RealmID: realmID, ClientID: clientID, Name: RoleRealmAdmin, Description: roleDescription(RoleRealmAdmin)}
		if err := tx.CreateRole(ctx, ra); err != nil {
			return nil, err
		}
		if err := tx.AddComposites(ctx, realmID, ra.ID, ids(roles)); err != nil {
			return nil, err
		}
		roles[RoleRealmAdmin] = ra
	}
	return roles, nil
}

func createRoles(ctx context.Context, tx store.Store, realmID, clientID string, names []string) (map[string]*model.Role, error) {
	out := make(map[string]*model.Role, len(names))
	for _, n := range names {
		role := &model.Role{RealmID: realmID, ClientID: clientID, Name: n, Description: roleDescription(n)}
		if err := tx.CreateRole(ctx, role); err != nil {
			return nil, fmt.Errorf("realm: built-in role %s: %w", n, err)
		}
		out[n] = role
	}
	return out, nil
}

func link(ctx context.Context, tx store.Store, realmID string, roles map[string]*model.Role, parent string, children []string) error {
	if len(children) == 0 {
		return nil
	}
	childIDs := make([]string, 0, len(children))
	for _, c := range children {
		childIDs = append(childIDs, roles[c].ID)
	}
	return tx.AddComposites(ctx, realmID, roles[parent].ID, childIDs)
}

func ids(roles map[string]*model.Role) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		out = append(out, r.ID)
	}
	return out
}
