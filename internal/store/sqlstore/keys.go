package sqlstore

import (
	"context"

	"github.com/latchkey/latchkey/internal/model"
)

// CreateKey implements store.KeyStore.
func (s *Store) CreateKey(ctx context.Context, k *model.SigningKey) error {
	ensureID(&k.ID)
	ensureCreated(&k.CreatedAt)
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO signing_keys (realm_id, id, algorithm, use,
			private_key, certificate, active, enabled, priority, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			k.RealmID, k.ID, k.Algorithm, k.Use, nonNil(k.PrivateKey), nonNil(k.Certificate),
			k.Active, k.Enabled, k.Priority, k.CreatedAt.UnixMilli())
		return err
	})
}

// nonNil keeps NOT NULL byte columns satisfied when a key has no
// certificate.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// ListKeys implements store.KeyStore.
func (s *Store) ListKeys(ctx context.Context, realmID string) ([]model.SigningKey, error) {
	var out []model.SigningKey
	err := s.read(ctx, func(q querier) error {
		out = out[:0]
		rows, err := q.QueryContext(ctx, `SELECT realm_id, id, algorithm, use, private_key,
			certificate, active, enabled, priority, created_at FROM signing_keys
			WHERE realm_id = $1 ORDER BY priority DESC, created_at, id`, realmID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				k       model.SigningKey
				created int64
			)
			if err := rows.Scan(&k.RealmID, &k.ID, &k.Algorithm, &k.Use, &k.PrivateKey,
				&k.Certificate, &k.Active, &k.Enabled, &k.Priority, &created); err != nil {
				return err
			}
			if len(k.Certificate) == 0 {
				k.Certificate = nil
			}
			k.CreatedAt = fromMillis(created)
			out = append(out, k)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateKey implements store.KeyStore.
func (s *Store) UpdateKey(ctx context.Context, k *model.SigningKey) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE signing_keys SET algorithm = $1, use = $2,
			private_key = $3, certificate = $4, active = $5, enabled = $6, priority = $7
			WHERE realm_id = $8 AND id = $9`,
			k.Algorithm, k.Use, nonNil(k.PrivateKey), nonNil(k.Certificate), k.Active, k.Enabled,
			k.Priority, k.RealmID, k.ID)
		if err != nil {
			return err
		}
		return mustAffect(res, "signing key "+k.ID)
	})
}

// DeleteKey implements store.KeyStore.
func (s *Store) DeleteKey(ctx context.Context, realmID, id string) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM signing_keys WHERE realm_id = $1 AND id = $2`, realmID, id)
		if err != nil {
			return err
		}
		return mustAffect(res, "signing key "+id)
	})
}
