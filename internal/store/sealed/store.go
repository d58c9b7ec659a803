package sealed

import (
	"context"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// InTx runs fn in a transaction whose store seals and opens too.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	return s.Store.InTx(ctx, func(tx store.Store) error {
		return fn(&Store{Store: tx, aead: s.aead})
	})
}

// CreateClient stores c with its secret sealed. c keeps its clear secret
// and gets what the store filled in (its id, its creation time).
func (s *Store) CreateClient(ctx context.Context, c *model.Client) error {
	d := s.sealClient(c)
	err := s.Store.CreateClient(ctx, d)
	secret := c.Secret
	*c = *d
	c.Secret = secret
	return err
}

// UpdateClient stores c with its secret sealed.
func (s *Store) UpdateClient(ctx context.Context, c *model.Client) error {
	d := s.sealClient(c)
	err := s.Store.UpdateClient(ctx, d)
	secret := c.Secret
	*c = *d
	c.Secret = secret
	return err
}

// GetClient returns a client with its secret opened.
func (s *Store) GetClient(ctx context.Context, realmID, id string) (*model.Client, error) {
	c, err := s.Store.GetClient(ctx, realmID, id)
	if err != nil {
		return nil, err
	}
	return c, s.openClient(c)
}

// GetClientByClientID returns a client with its secret opened.
func (s *Store) GetClientByClientID(ctx context.Context, realmID, clientID string) (*model.Client, error) {
	c, err := s.Store.GetClientByClientID(ctx, realmID, clientID)
	if err != nil {
		return nil, err
	}
	return c, s.openClient(c)
}

// ListClients returns clients with their secrets opened.
func (s *Store) ListClients(ctx context.Context, realmID string, q store.ClientQuery) ([]model.Client, error) {
	cs, err := s.Store.ListClients(ctx, realmID, q)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if err := s.openClient(&cs[i]); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// CreateRealm stores r with its SMTP password sealed; r keeps the clear
// password and gets what the store filled in.
func (s *Store) CreateRealm(ctx context.Context, r *model.Realm) error {
	d := s.sealRealm(r)
	err := s.Store.CreateRealm(ctx, d)
	smtp := r.SMTPServer
	*r = *d
	r.SMTPServer = smtp
	return err
}

// UpdateRealm stores r with its SMTP password sealed.
func (s *Store) UpdateRealm(ctx context.Context, r *model.Realm) error {
	d := s.sealRealm(r)
	err := s.Store.UpdateRealm(ctx, d)
	smtp := r.SMTPServer
	*r = *d
	r.SMTPServer = smtp
	return err
}

// GetRealm returns a realm with its SMTP password opened.
func (s *Store) GetRealm(ctx context.Context, id string) (*model.Realm, error) {
	r, err := s.Store.GetRealm(ctx, id)
	if err != nil {
		return nil, err
	}
	return r, s.openRealm(r)
}

// GetRealmByName returns a realm with its SMTP password opened.
func (s *Store) GetRealmByName(ctx context.Context, name string) (*model.Realm, error) {
	r, err := s.Store.GetRealmByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return r, s.openRealm(r)
}

// ListRealms returns realms with their SMTP passwords opened.
func (s *Store) ListRealms(ctx context.Context) ([]model.Realm, error) {
	rs, err := s.Store.ListRealms(ctx)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if err := s.openRealm(&rs[i]); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

var _ store.Store = (*Store)(nil)

// Unwrap returns the store the sealing wraps.
func (s *Store) Unwrap() store.Store { return s.Store }
