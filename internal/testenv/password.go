package testenv

import (
	"path/filepath"
	"testing"

	"github.com/latchkey/latchkey/internal/credential"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/store"
)

// Passwords is a real password service on st, with a blacklist directory
// in t's temporary directory.
func Passwords(t testing.TB, st store.Store) *password.Service {
	return &password.Service{
		Store:         st,
		Hasher:        credential.NewHasher(0, nil),
		PolicyOptions: policy.Options{BlacklistDir: filepath.Join(t.TempDir(), "password-blacklists")},
		Log:           Logger(t),
	}
}
