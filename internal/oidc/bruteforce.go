package oidc

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Brute-force detection as Keycloak's DefaultBruteForceProtector does it
// for the direct grant. The records live in the store, so every process
// counts the same failures.

// Keycloak's UserModel.DISABLED_REASON and the value a permanent lockout
// writes into it.
const (
	attrDisabledReason       = "disabledReason"
	disabledPermanentLockout = "permanentLockout"
)

// LockedOut reports whether u may not log in because of brute-force
// detection, and with which event error, as Keycloak's
// AuthenticatorUtils.getDisabledByBruteForceEventError: "user_disabled"
// for a permanent lockout, "user_temporarily_disabled" while
// failedLoginNotBefore is in the future, "" otherwise (and always when the
// realm is not protected).
func LockedOut(ctx context.Context, st store.LoginFailureStore, realm *model.Realm, u *model.User, now time.Time) (string, error) {
	if !realm.BruteForceProtected {
		return "", nil
	}
	if !u.Enabled && firstAttr(u, attrDisabledReason) == disabledPermanentLockout {
		return "user_disabled", nil
	}
	f, err := st.GetLoginFailure(ctx, realm.ID, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if realm.PermanentLockout && f.NumTemporaryLockouts > realm.MaxTemporaryLockouts {
		return "user_disabled", nil // a race with the lockout itself
	}
	if now.Unix() < f.FailedLoginNotBefore {
		return "user_temporarily_disabled", nil
	}
	return "", nil
}

func firstAttr(u *model.User, name string) string {
	if v := u.Attributes[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// failureOutcome is what one counted failure led to.
type failureOutcome struct {
	temporary bool // failedLoginNotBefore was (re)set
	permanent bool // the user is to be disabled
}

// applyFailure is DefaultBruteForceProtector.failure (strategy MULTIPLE,
// the default) on one record, at now, from ip.
func applyFailure(realm *model.Realm, f *store.LoginFailure, now time.Time, ip string) failureOutcome {
	permanentOnly := realm.PermanentLockout && realm.MaxTemporaryLockouts == 0
	f.LastIPFailure = ip
	nowMs := now.UnixMilli()
	var last, delta int64
	if !f.LastFailure.IsZero() {
		last = f.LastFailure.UnixMilli()
		// A concurrent failure stamped later may have been stored first
		// (or another process's clock runs ahead): time never runs
		// backwards here, so such a failure is not "quick" by a negative
		// delta and does not move lastFailure back.
		if nowMs < last {
			now, nowMs = f.LastFailure, last
		}
		delta = nowMs - last
	}
	f.LastFailure = now
	// More than maxDeltaTimeSeconds since the last failure: start again
	// (never when the first threshold locks for good).
	if !permanentOnly && delta > 0 && delta > int64(realm.MaxDeltaTimeSeconds)*1000 {
		f.NumFailures, f.NumTemporaryLockouts, f.FailedLoginNotBefore = 0, 0, 0
	}
	f.NumFailures++

	var wait int64
	if !permanentOnly {
		factor := realm.FailureFactor
		if factor <= 0 {
			factor = 1 // Keycloak divides by it; 0 is not a valid setting
		}
		wait = int64(realm.WaitIncrementSeconds) * int64(f.NumFailures/factor)
	}
	quick := false
	if wait <= 0 && last > 0 && delta < int64(realm.QuickLoginCheckMilliSeconds) {
		wait, quick = int64(realm.MinimumQuickLoginWaitSeconds), true
	}
	var out failureOutcome
	if wait > 0 {
		if !realm.PermanentLockout || realm.MaxTemporaryLockouts > 0 {
			wait = min(wait, int64(realm.MaxFailureWaitSeconds))
		}
		if !quick {
			f.NumTemporaryLockouts++
		}
		if quick || !realm.PermanentLockout || f.NumTemporaryLockouts <= realm.MaxTemporaryLockouts {
			f.FailedLoginNotBefore = now.Unix() + wait
			out.temporary = true
		}
	}
	if realm.PermanentLockout && (f.NumTemporaryLockouts > realm.MaxTemporaryLockouts ||
		(realm.MaxTemporaryLockouts == 0 && f.NumFailures >= realm.FailureFactor)) {
		out.permanent = true
	}
	return out
}

// loginFailed counts a failed password for u (Keycloak's failedLogin, run
// for a wrong password only) and, for a permanent lockout, disables the
// user with disabledReason=permanentLockout, in one transaction.
func (h *Handler) loginFailed(r *http.Request, realm *model.Realm, u *model.User, ip string) error {
	if !realm.BruteForceProtected {
		return nil
	}
	ctx, now := context.WithoutCancel(r.Context()), h.now()
	var (
		out failureOutcome
		rec *store.LoginFailure
	)
	err := h.Store.InTx(ctx, func(tx store.Store) error {
		var err error
		rec, err = tx.RecordLoginFailure(ctx, realm.ID, u.ID, func(f *store.LoginFailure) {
			out = applyFailure(realm, f, now, ip)
		})
		if err != nil || !out.permanent {
			return err
		}
		cur, err := tx.GetUser(ctx, realm.ID, u.ID)
		if err != nil {
			return err
		}
		if !cur.Enabled && firstAttr(cur, attrDisabledReason) == disabledPermanentLockout {
			return nil
		}
		cur.Enabled = false
		if cur.Attributes == nil {
			cur.Attributes = map[string][]string{}
		}
		cur.Attributes[attrDisabledReason] = []string{disabledPermanentLockout}
		return tx.UpdateUser(ctx, cur, !realm.DuplicateEmailsAllowed)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // the user was deleted meanwhile
	} else if err != nil {
		return err
	}
	ev := model.Event{UserID: u.ID, Details: map[string]string{
		"reason": "brute_force_attack detected", "num_failures": strconv.Itoa(rec.NumFailures)}}
	if out.temporary {
		ev.Type = "USER_DISABLED_BY_TEMPORARY_LOCKOUT"
		ev.Details["not_before"] = time.Unix(rec.FailedLoginNotBefore, 0).UTC().Format("2006-01-02T15:04:05")
		h.event(r, realm, ev)
	}
	if out.permanent {
		ev.Type = "USER_DISABLED_BY_PERMANENT_LOCKOUT"
		delete(ev.Details, "not_before")
		h.event(r, realm, ev)
	}
	return nil
}

// loginSucceeded clears u's failures (Keycloak's successfulLogin).
func (h *Handler) loginSucceeded(ctx context.Context, realm *model.Realm, u *model.User) error {
	if !realm.BruteForceProtected {
		return nil
	}
	return h.Store.DeleteLoginFailure(ctx, realm.ID, u.ID)
}
