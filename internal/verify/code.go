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

// hashCode keys the code's hash with the realm's HMAC secret: a copy of
// the database alone does not let anyone try the million codes offline.
func (s *Service) hashCode(ctx context.Context, realm *model.Realm, userID, code string) (string, error) {
	keys, err := s.Store.ListKeys(ctx, realm.ID)
	if err != nil {
		return "", err
	}
	k, err := signing.ActiveKey(keys, signing.HS512)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k.PrivateKey)
	m.Write([]byte(userID + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// putCode stores a fresh code for u (replacing the previous one) inside tx.
func (s *Service) putCode(ctx context.Context, tx store.Store, realm *model.Realm, u *model.User, expires time.Time) (string, error) {
	code, err := newCode()
	if err != nil {
		return "", err
	}
	h, err := s.hashCode(ctx, realm, u.ID, code)
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

// checkCode compares code with the user's stored one in constant time,
// counting wrong attempts and voiding the code at MaxCodeAttempts. A code
// of another email than the user's present one is void.
func (s *Service) checkCode(ctx context.Context, realm *model.Realm, u *model.User, code string) (codeResult, error) {
	c, err := s.Store.GetCode(ctx, realm.ID, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return codeExpired, nil
	} else if err != nil {
		return codeExpired, err
	}
	if !s.now().Before(c.ExpiresAt) || c.Attempts >= MaxCodeAttempts || c.Email != u.Email {
		_ = s.Store.DeleteCode(ctx, realm.ID, u.ID)
		return codeExpired, nil
	}
	h, err := s.hashCode(ctx, realm, u.ID, code)
	if err != nil {
		return codeExpired, err
	}
	if hmac.Equal([]byte(h), []byte(c.CodeHash)) {
		return codeOK, nil
	}
	n, err := s.Store.AddCodeAttempt(ctx, realm.ID, u.ID)
	if err != nil {
		return codeWrong, err
	}
	if n >= MaxCodeAttempts {
		_ = s.Store.DeleteCode(ctx, realm.ID, u.ID)
	}
	return codeWrong, nil
}
