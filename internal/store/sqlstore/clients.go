package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Clients, like realms, keep their settings as one JSON document of
// model.Client; client_id has its own column for the unique index and a
// lower-cased copy for case-insensitive search.

const clientCols = `id, realm_id, client_id, created_at, data`

func scanClient(sc interface{ Scan(...any) error }) (*model.Client, error) {
	var (
		id, realmID, clientID, data string
		created                     int64
	)
	if err := sc.Scan(&id, &realmID, &clientID, &created, &data); err != nil {
		return nil, err
	}
	var c model.Client
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		return nil, fmt.Errorf("sqlstore: client %s: decoding settings: %w", id, err)
	}
	c.ID, c.RealmID, c.ClientID, c.CreatedAt = id, realmID, clientID, fromMillis(created)
	return &c, nil
}

// CreateClient implements store.ClientStore.
func (s *Store) CreateClient(ctx context.Context, c *model.Client) error {
	ensureID(&c.ID)
	ensureCreated(&c.CreatedAt)
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO clients (id, realm_id, client_id, client_id_lower,
			created_at, data) VALUES ($1, $2, $3, $4, $5, $6)`,
			c.ID, c.RealmID, c.ClientID, strings.ToLower(c.ClientID), c.CreatedAt.UnixMilli(), string(data))
		return err
	})
}

// GetClient implements store.ClientStore.
func (s *Store) GetClient(ctx context.Context, realmID, id string) (*model.Client, error) {
	return s.getClient(ctx, `id = $2`, realmID, id)
}

// GetClientByClientID implements store.ClientStore.
func (s *Store) GetClientByClientID(ctx context.Context, realmID, clientID string) (*model.Client, error) {
	return s.getClient(ctx, `client_id = $2`, realmID, clientID)
}

func (s *Store) getClient(ctx context.Context, where, realmID, key string) (*model.Client, error) {
	var c *model.Client
	err := s.read(ctx, func(q querier) error {
		var err error
		c, err = scanClient(q.QueryRowContext(ctx,
			`SELECT `+clientCols+` FROM clients WHERE realm_id = $1 AND `+where, realmID, key))
		return notFound(err, "client "+key)
	})
	return c, err
}

// ListClients implements store.ClientStore.
func (s *Store) ListClients(ctx context.Context, realmID string, cq store.ClientQuery) ([]model.Client, error) {
	var a args
	where := `realm_id = ` + a.add(realmID)
	switch {
	case cq.ClientID == "":
	case cq.Search:
		where += ` AND client_id_lower LIKE ` + a.add("%"+likeEscape(strings.ToLower(cq.ClientID))+"%") + ` ESCAPE '\'`
	default:
		where += ` AND client_id = ` + a.add(cq.ClientID)
	}
	var out []model.Client
	err := s.read(ctx, func(q querier) error {
		out = out[:0]
		rows, err := q.QueryContext(ctx, `SELECT `+clientCols+` FROM clients WHERE `+where+
			` ORDER BY client_id`+limit(cq.Page), a.vals...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanClient(rows)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateClient implements store.ClientStore.
func (s *Store) UpdateClient(ctx context.Context, c *model.Client) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE clients SET client_id = $1, client_id_lower = $2, data = $3
			WHERE realm_id = $4 AND id = $5`,
			c.ClientID, strings.ToLower(c.ClientID), string(data), c.RealmID, c.ID)
		if err != nil {
			return err
		}
		return mustAffect(res, "client "+c.ID)
	})
}

// DeleteClient implements store.ClientStore. Client roles have no foreign
// key to their client (realm roles share the column with ”), so they are
// deleted here, in the same transaction; their composites and user
// mappings follow by cascade.
func (s *Store) DeleteClient(ctx context.Context, realmID, id string) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM clients WHERE realm_id = $1 AND id = $2`, realmID, id)
		if err != nil {
			return err
		}
		if err := mustAffect(res, "client "+id); err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `DELETE FROM roles WHERE realm_id = $1 AND client_id = $2`, realmID, id)
		return err
	})
}
