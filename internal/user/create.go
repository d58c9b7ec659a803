package user

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// ErrExists reports a unique-key conflict on username or email.
var ErrExists = errors.New("user: a user with the same username or email exists")

// Insert writes u into realm inside tx, with its credentials (already hashed:
// hashing is slow and belongs before the transaction) and role mappings. The
// realm's default role is always granted and its default groups joined.
// Usernames and emails are trimmed and lower-cased, as Keycloak stores them.
func Insert(ctx context.Context, tx store.Store, realm *model.Realm, u *model.User, creds []model.Credential, roleIDs []string) error {
	u.RealmID = realm.ID
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if err := tx.CreateUser(ctx, u, !realm.DuplicateEmailsAllowed); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: %w", ErrExists, err)
		}
		return err
	}
	for i := range creds {
		creds[i].UserID = u.ID
		if err := tx.CreateCredential(ctx, &creds[i]); err != nil {
			return err
		}
	}
	grant := roleIDs
	if realm.DefaultRoleID != "" {
		grant = append([]string{realm.DefaultRoleID}, roleIDs...)
	}
	if len(grant) > 0 {
		if err := tx.GrantUserRoles(ctx, realm.ID, u.ID, grant); err != nil {
			return err
		}
	}
	// The realm's default groups, as Keycloak's addUser gives them
	// alongside the default role.
	defaults, err := tx.ListDefaultGroups(ctx, realm.ID)
	if err != nil {
		return err
	}
	for _, g := range defaults {
		// A default group deleted since the listing is skipped.
		if _, err := tx.AddGroupMember(ctx, realm.ID, g.ID, u.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// Which conflict a refused write hit, for Keycloak's messages.
var (
	ErrUsernameExists = fmt.Errorf("%w: same username", ErrExists)
	ErrEmailExists    = fmt.Errorf("%w: same email", ErrExists)
)

// Conflict names the conflict that made writing u fail with ErrExists:
// ErrUsernameExists, ErrEmailExists, or ErrExists when neither is found
// any more (the other user went away meanwhile). The database decided
// that there was a conflict; these look-ups only pick the message, so call
// Conflict after the failed transaction has rolled back, outside it.
func Conflict(ctx context.Context, st store.Store, realm *model.Realm, u *model.User) error {
	username := strings.ToLower(strings.TrimSpace(u.Username))
	if other, err := st.GetUserByUsername(ctx, realm.ID, username); err == nil && other.ID != u.ID {
		return ErrUsernameExists
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if email := strings.ToLower(strings.TrimSpace(u.Email)); email != "" && !realm.DuplicateEmailsAllowed {
		if other, err := st.GetUserByEmail(ctx, realm.ID, email); err == nil && other.ID != u.ID {
			return ErrEmailExists
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return ErrExists
}
