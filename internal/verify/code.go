package verify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
)

// MaxCodeAttempts is how many wrong codes void a code.
const MaxCodeAttempts = 5

// newCode makes a 6-digit code, uniformly random.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// hashCode keys the code's hash with the realm's active HMAC secret: a
// copy of the database alone does not let anyone try the million codes
// offline. The keys are read through st: inside a transaction, pass the
// transaction, so that the request never waits for a second connection.
func (s *Service) hashCode(ctx context.Context, st store.Store, realm *model.Realm, userID, code string) (string, error) {
	keys, err := st.ListKeys(ctx, realm.ID)
	if err != nil {
		return "", err
	}
	k, err := signing.ActiveKey(keys, signing.HS512)
	if err != nil {
		return "", err
	}
	return macCode(k.PrivateKey, userID, code), nil
}

// candidateHashes are the hashes code would have under each HMAC key of
// the realm that still verifies (the active one and those rotated out but
// enabled): a key rotation voids no code that its link still honours.
func (s *Service) candidateHashes(ctx context.Context, realm *model.Realm, userID, code string) ([]string, error) {
	keys, err := s.Store.ListKeys(ctx, realm.ID)
	if err != nil {
		return nil, err
	}
	var hs []string
	for _, k := range keys {
		if k.Enabled && k.Algorithm == signing.HS512 {
			hs = append(hs, macCode(k.PrivateKey, userID, code))
		}
	}
	return hs, nil
}

func macCode(key []byte, userID, code string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(userID + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// putCode stores a fresh code for u (replacing the previous one) inside tx.
func (s *Service) putCode(ctx context.Context, tx store.Store, realm *model.Realm, u *model.User, expires time.Time) (string, error) {
	code, err := newCode()
	if err != nil {
		return "", err
	}
	h, err := s.hashCode(ctx, tx, realm, u.ID, code)
	if err != nil {
		return "", err
	}
	err = tx.PutCode(ctx, &model.VerificationCode{RealmID: realm.ID, UserID: u.ID, Email: u.Email,
		CodeHash: h, ExpiresAt: expires, CreatedAt: s.now()})
	return code, err
}

// Code check outcomes.
type codeResult int

const (
	codeOK codeResult = iota
	codeWrong
	codeExpired // expired, voided by too many attempts, or none
)

// useCode checks code against the user's stored one and, when it is
// right, consumes it and marks the email verified, all in one
// transaction. Every guess is counted before it is compared, in the same
// transaction, so that concurrent guesses cannot get more than
// MaxCodeAttempts comparisons between them; the code is voided at the
// last one. A code sent to another email than the user's present one is
// void.
func (s *Service) useCode(ctx context.Context, realm *model.Realm, u *model.User, code string) (codeResult, error) {
	// Hashed before the transaction: it reads the realm's keys, and a
	// transaction waiting for a second connection of the pool would
	// deadlock once every connection holds such a transaction.
	hashes, err := s.candidateHashes(ctx, realm, u.ID, code)
	if err != nil {
		return codeExpired, err
	}
	var res codeResult
	err = s.Store.InTx(ctx, func(tx store.Store) error {
		res = codeExpired
		c, err := tx.GetCode(ctx, realm.ID, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		cur, err := tx.GetUser(ctx, realm.ID, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		n, err := tx.AddCodeAttempt(ctx, realm.ID, u.ID)
		if err != nil {
			return err
		}
		if !s.now().Before(c.ExpiresAt) || n > MaxCodeAttempts || !strings.EqualFold(c.Email, cur.Email) {
			return tx.DeleteCode(ctx, realm.ID, u.ID)
		}
		match := false
		for _, h := range hashes {
			match = hmac.Equal([]byte(h), []byte(c.CodeHash)) || match
		}
		if !match {
			res = codeWrong
			if n >= MaxCodeAttempts {
				return tx.DeleteCode(ctx, realm.ID, u.ID)
			}
			return nil
		}
		res = codeOK
		return s.markVerifiedTx(ctx, tx, realm, cur)
	})
	if err != nil {
		return codeExpired, err
	}
	if res == codeOK {
		// The user as stored now (verified).
		cur, err := s.Store.GetUser(ctx, realm.ID, u.ID)
		if err == nil {
			*u = *cur
		}
	}
	return res, nil
}
