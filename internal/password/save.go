package password

import (
	"context"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/store"
)

// Save makes cred the user's password inside tx, as Keycloak's
// PasswordCredentialProvider does: the current password credential is
// updated in place; the old one becomes a password-history entry when the
// policy keeps history (passwordHistory > 1 or passwordAge > 0); history
// beyond the newest N-1 entries that is also older than the age limit is
// removed.
func Save(ctx context.Context, tx store.Store, p *policy.Policy, userID string, cred model.Credential, now time.Time) error {
	creds, err := tx.ListCredentials(ctx, userID)
	if err != nil {
		return err
	}
	var old *model.Credential
	var history []model.Credential
	for i := range creds {
		switch creds[i].Type {
		case model.CredentialPassword:
			if old == nil {
				old = &creds[i]
			}
		case model.CredentialPasswordHistory:
			history = append(history, creds[i])
		}
	}
	cred.UserID = userID
	cred.Type = model.CredentialPassword
	if cred.CreatedAt.IsZero() {
		cred.CreatedAt = now
	}
	if old == nil {
		if err := tx.CreateCredential(ctx, &cred); err != nil {
			return err
		}
	} else {
		cred.ID = old.ID
		cred.UserLabel = old.UserLabel
		if err := tx.UpdateCredential(ctx, &cred); err != nil {
			return err
		}
		if p.HistoryCount() > 1 || p.AgeDays() > 0 {
			h := model.Credential{UserID: userID, Type: model.CredentialPasswordHistory,
				SecretData: old.SecretData, CredentialData: old.CredentialData,
				CreatedAt: old.CreatedAt, Priority: old.Priority}
			if err := tx.CreateCredential(ctx, &h); err != nil {
				return err
			}
			history = append(history, h)
		}
	}
	newestFirst(history)
	keep := max(0, p.HistoryCount()-1)
	maxAge := now.Add(-time.Duration(p.AgeDays()) * 24 * time.Hour)
	for i, h := range history {
		if i < keep || (p.AgeDays() > 0 && h.CreatedAt.After(maxAge)) {
			continue
		}
		if err := tx.DeleteCredential(ctx, userID, h.ID); err != nil {
			return err
		}
	}
	return nil
}

// Set checks password against the realm's policy, hashes it and saves it
// as u's password in its own transaction. It is the admin
// reset-password path; creation paths call Check, NewCredential and Save
// (through user.Insert) themselves to share the user's transaction.
func (s *Service) Set(ctx context.Context, r *model.Realm, u *model.User, password string) error {
	if err := s.Check(ctx, r, u, password); err != nil {
		return err
	}
	p, err := s.Policy(r)
	if err != nil {
		return err
	}
	cred, err := s.NewCredential(ctx, r, password)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx store.Store) error {
		return Save(ctx, tx, p, u.ID, cred, s.now())
	})
}
