package realm

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// ImportUser is a user of a realm file and where it came from (a file and
// JSON location), which errors about it name.
type ImportUser struct {
	Rep   *kcrep.UserRepresentation
	Where string
}

// ImportUsers adds users of a realm file to realm r, created before by
// Import, in one transaction: the batch is written whole or not at all.
// It does what Import does for users (plain passwords checked against the
// policy and hashed first, hashes validated, role mappings by name, roles
// the file maps but does not define created, groups joined by path but
// not the realm's default groups unless listed), and a user that is a
// client's service account replaces the one Import created for it.
func (s *Service) ImportUsers(ctx context.Context, r *model.Realm, users []ImportUser) error {
	now := s.now()
	prepared := make([]preparedUser, 0, len(users))
	for _, iu := range users {
		p, err := s.prepareUser(ctx, r, iu.Rep, now, iu.Where)
		if err != nil {
			return err
		}
		prepared = append(prepared, p)
	}
	return s.Store.InTx(ctx, func(tx store.Store) error {
		b, err := loadBuilt(ctx, tx, r)
		if err != nil {
			return err
		}
		gi := newGroupIndex(r.ID)
		for i := range prepared {
			// Copies: the transaction may run again.
			p := prepared[i]
			p.creds = slices.Clone(p.creds)
			where := users[i].Where
			if cid := p.rep.ServiceAccountClientID; cid != "" {
				c, ok := b.Clients[cid]
				if !ok {
					return invalidf("%s (%s): serviceAccountClientId %q: no such client", where, p.rep.Username, cid)
				}
				p.user.ServiceAccountClientID = c.ID
				old, err := tx.GetServiceAccountUser(ctx, r.ID, c.ID)
				if err == nil {
					err = tx.DeleteUser(ctx, r.ID, old.ID)
				}
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
			roleIDs, err := mappedRoles(ctx, tx, b, p.rep.RealmRoles, p.rep.ClientRoles)
			if err != nil {
				return fmt.Errorf("%s (%s): %w", where, p.rep.Username, err)
			}
			if err := insertImportedUser(ctx, tx, b, gi, &p.user, p.creds, roleIDs, p.rep.Groups); err != nil {
				return fmt.Errorf("%s (%s): %w", where, p.rep.Username, err)
			}
		}
		return nil
	})
}

// loadBuilt reads a realm's clients and roles by name.
func loadBuilt(ctx context.Context, tx store.Store, r *model.Realm) (*Built, error) {
	b := &Built{Realm: r, Clients: map[string]*model.Client{},
		RealmRoles: map[string]*model.Role{}, ClientRole: map[string]map[string]*model.Role{}}
	clients, err := tx.ListClients(ctx, r.ID, store.ClientQuery{})
	if err != nil {
		return nil, err
	}
	for i := range clients {
		c := &clients[i]
		b.Clients[c.ClientID] = c
		roles, err := tx.ListRoles(ctx, r.ID, c.ID, store.RoleQuery{})
		if err != nil {
			return nil, err
		}
		b.ClientRole[c.ClientID] = map[string]*model.Role{}
		for j := range roles {
			b.ClientRole[c.ClientID][roles[j].Name] = &roles[j]
		}
	}
	roles, err := tx.ListRoles(ctx, r.ID, "", store.RoleQuery{})
	if err != nil {
		return nil, err
	}
	for j := range roles {
		b.RealmRoles[roles[j].Name] = &roles[j]
	}
	return b, nil
}
