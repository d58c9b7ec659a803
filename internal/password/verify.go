package password

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/internal/credential"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Verify reports whether password is u's password. For an unknown user (u
// nil) or a user without a password it still spends one hash's time, so
// that response times do not tell which usernames exist. After a
// successful check, a credential made with another algorithm or other
// parameters than the realm asks for now is re-hashed and saved, as
// Keycloak does; a failure to re-hash is logged, never fatal to the login.
func (s *Service) Verify(ctx context.Context, r *model.Realm, u *model.User, password string) (bool, error) {
	params, err := s.HashParams(r)
	if err != nil {
		return false, err
	}
	var cur *model.Credential
	if u != nil {
		creds, err := s.Store.ListCredentials(ctx, u.ID)
		if err != nil {
			return false, err
		}
		for i := range creds {
			if creds[i].Type == model.CredentialPassword {
				cur = &creds[i]
				break
			}
		}
	}
	if cur == nil {
		s.Hasher.Dummy(ctx, password, params)
		return false, nil
	}
	ok, err := s.Hasher.Verify(ctx, password, encoded(*cur))
	if err != nil {
		if errors.Is(err, credential.ErrUnsupported) || errors.Is(err, credential.ErrMalformed) {
			// Keycloak fails such a login quietly; we log why.
			s.Log.WarnContext(ctx, "password credential cannot be verified", "realm", r.Name,
				"user_id", u.ID, "error", err)
			return false, nil
		}
		return false, err
	}
	if ok && credential.NeedsRehash(encoded(*cur), params) {
		s.rehash(ctx, r, u, *cur, password)
	}
	return ok, nil
}

func (s *Service) rehash(ctx context.Context, r *model.Realm, u *model.User, cur model.Credential, password string) {
	params, err := s.HashParams(r)
	if err != nil {
		return
	}
	e, err := s.Hasher.Hash(ctx, password, params)
	if err == nil {
		cur.SecretData, cur.CredentialData = e.SecretData, e.CredentialData
		err = s.Store.UpdateCredential(ctx, &cur)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.Log.WarnContext(ctx, "re-hashing a password failed", "realm", r.Name, "user_id", u.ID, "error", err)
		return
	}
	s.Log.DebugContext(ctx, "password re-hashed with the realm's algorithm", "realm", r.Name, "user_id", u.ID)
}
