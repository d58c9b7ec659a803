package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/latchkey/latchkey/internal/model"
)

// Realm settings are one JSON document (model.Realm's Keycloak names), so a
// new setting needs no migration; only what is queried has its own column.

const realmCols = `id, name, created_at, data`

func scanRealm(sc interface{ Scan(...any) error }) (*model.Realm, error) {
	var (
		id, name, data string
		created        int64
	)
	if err := sc.Scan(&id, &name, &created, &data); err != nil {
		return nil, err
	}
	var r model.Realm
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		return nil, fmt.Errorf("sqlstore: realm %s: decoding settings: %w", id, err)
	}
	r.ID, r.Name, r.CreatedAt = id, name, fromMillis(created)
	return &r, nil
}

// CreateRealm implements store.RealmStore.
func (s *Store) CreateRealm(ctx context.Context, r *model.Realm) error {
	ensureID(&r.ID)
	ensureCreated(&r.CreatedAt)
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx,
			`INSERT INTO realms (id, name, created_at, data) VALUES ($1, $2, $3, $4)`,
			r.ID, r.Name, r.CreatedAt.UnixMilli(), string(data))
		return err
	})
}

// GetRealm implements store.RealmStore.
func (s *Store) GetRealm(ctx context.Context, id string) (*model.Realm, error) {
	return s.getRealm(ctx, `id = $1`, id)
}

// GetRealmByName implements store.RealmStore.
func (s *Store) GetRealmByName(ctx context.Context, name string) (*model.Realm, error) {
	return s.getRealm(ctx, `name = $1`, name)
}

func (s *Store) getRealm(ctx context.Context, where string, arg string) (*model.Realm, error) {
	var r *model.Realm
	err := s.read(ctx, func(q querier) error {
		var err error
		r, err = scanRealm(q.QueryRowContext(ctx,
			`SELECT `+realmCols+` FROM realms WHERE `+where, arg))
		return notFound(err, "realm "+arg)
	})
	return r, err
}

// ListRealms implements store.RealmStore.
func (s *Store) ListRealms(ctx context.Context) ([]model.Realm, error) {
	var out []model.Realm
	err := s.read(ctx, func(q querier) error {
		out = out[:0]
		rows, err := q.QueryContext(ctx, `SELECT `+realmCols+` FROM realms ORDER BY name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRealm(rows)
			if err != nil {
				return err
			}
			out = append(out, *r)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateRealm implements store.RealmStore.
func (s *Store) UpdateRealm(ctx context.Context, r *model.Realm) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx,
			`UPDATE realms SET name = $1, data = $2 WHERE id = $3`,
			r.Name, string(data), r.ID)
		if err != nil {
			return err
		}
		return mustAffect(res, "realm "+r.ID)
	})
}

// DeleteRealm implements store.RealmStore. Everything in the realm goes
// with it through ON DELETE CASCADE.
func (s *Store) DeleteRealm(ctx context.Context, id string) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM realms WHERE id = $1`, id)
		if err != nil {
			return err
		}
		return mustAffect(res, "realm "+id)
	})
}
