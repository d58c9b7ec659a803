package realm

import (
	"context"
	"errors"
	"fmt"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/user"
)

// MasterExists reports whether the master realm has been created.
func (s *Service) MasterExists(ctx context.Context) (bool, error) {
	_, err := s.Store.GetRealmByName(ctx, MasterRealm)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// EnsureMaster creates the master realm and its bootstrap administrator on
// first start. It reports whether it created them; on an existing
// installation it changes nothing (the bootstrap settings are ignored, as in
// Keycloak).
func (s *Service) EnsureMaster(ctx context.Context, username, password string) (bool, error) {
	if ok, err := s.MasterExists(ctx); err != nil || ok {
		return false, err
	}
	r := Defaults(MasterRealm)
	// Keycloak's master realm issues short-lived admin tokens.
	r.AccessTokenLifespan = 60
	cred, err := s.Passwords.NewCredential(ctx, &r, password)
	if err != nil {
		return false, err
	}
	r.DisplayName = "Keycloak"
	r.DisplayNameHTML = `<div class="kc-logo-text"><span>Keycloak</span></div>`
	err = s.Create(ctx, &r, Contents{Fill: func(ctx context.Context, tx store.Store, b *Built) error {
		admin := &model.User{
			Username: username, Enabled: true,
			Attributes: map[string][]string{"is_temporary_admin": {"true"}},
		}
		return user.Insert(ctx, tx, b.Realm, admin, []model.Credential{cred},
			[]string{b.RealmRoles["admin"].ID})
	}})
	if errors.Is(err, ErrExists) {
		// Another process on the same database won the race.
		return false, nil
	}
	return err == nil, err
}

// Delete removes a realm and its {realm}-realm client in master.
func (s *Service) Delete(ctx context.Context, name string) error {
	if name == MasterRealm {
		return ErrMasterProtected
	}
	return s.Store.InTx(ctx, func(tx store.Store) error {
		r, err := tx.GetRealmByName(ctx, name)
		if err != nil {
			return err
		}
		if err := tx.DeleteRealm(ctx, r.ID); err != nil {
			return err
		}
		master, err := tx.GetRealmByName(ctx, MasterRealm)
		if err != nil {
			return err
		}
		c, err := tx.GetClientByClientID(ctx, master.ID, name+"-realm")
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		return tx.DeleteClient(ctx, master.ID, c.ID)
	})
}

// Update stores a realm's new settings. A rename also renames the
// {realm}-realm client in master; a name that is taken is ErrExists.
func (s *Service) Update(ctx context.Context, oldName string, r *model.Realm) error {
	if oldName == MasterRealm && r.Name != MasterRealm {
		return ErrMasterProtected
	}
	err := s.Store.InTx(ctx, func(tx store.Store) error {
		if err := tx.UpdateRealm(ctx, r); err != nil {
			return err
		}
		if r.Name == oldName {
			return nil
		}
		master, err := tx.GetRealmByName(ctx, MasterRealm)
		if err != nil {
			return err
		}
		c, err := tx.GetClientByClientID(ctx, master.ID, oldName+"-realm")
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		c.ClientID, c.Name = r.Name+"-realm", r.Name+" Realm"
		return tx.UpdateClient(ctx, c)
	})
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("%w: %s", ErrExists, r.Name)
	}
	return err
}
