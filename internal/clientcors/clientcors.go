// Package clientcors computes the CORS policy of public endpoints that an
// app calls before it has a token (registration, verification): the
// named client's web origins, or, without a client, those of every
// enabled client of the realm.
package clientcors

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Clients is the part of the store the policy reads.
type Clients interface {
	GetClientByClientID(ctx context.Context, realmID, clientID string) (*model.Client, error)
	ListClients(ctx context.Context, realmID string, q store.ClientQuery) ([]model.Client, error)
}

// Policy is the CORS policy for a request naming clientID ("" for none).
// An unknown client allows no origin.
func Policy(ctx context.Context, st Clients, realm *model.Realm, clientID string) (httpapi.CORS, error) {
	var clients []model.Client
	if clientID != "" {
		c, err := st.GetClientByClientID(ctx, realm.ID, clientID)
		if errors.Is(err, store.ErrNotFound) {
			return httpapi.CORS{}, nil
		} else if err != nil {
			return httpapi.CORS{}, err
		}
		clients = []model.Client{*c}
	} else {
		var err error
		if clients, err = st.ListClients(ctx, realm.ID, store.ClientQuery{}); err != nil {
			return httpapi.CORS{}, err
		}
	}
	var allowed []string
	for _, c := range clients {
		if c.Enabled {
			allowed = append(allowed, httpapi.ResolveWebOrigins(c.WebOrigins, c.RedirectURIs, c.RootURL)...)
		}
	}
	return httpapi.CORS{Allowed: allowed, Credentials: true, Expose: []string{"Location"}}, nil
}
