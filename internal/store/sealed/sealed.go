package sealed

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/google/uuid"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// prefix marks a sealed value; the version names the cipher and layout.
const prefix = "sealed:v1:"

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// smtpPassword is the realm smtpServer entry that is sealed.
const smtpPassword = "password"

// ErrWrongKey means a sealed value did not open: the key is not the one it
// was sealed with, or the value was changed or moved to another record.
var ErrWrongKey = errors.New("sealed: a stored secret does not open with this key")

// Store seals client secrets and SMTP passwords of the store it wraps.
type Store struct {
	store.Store
	aead cipher.AEAD
}

// New wraps inner with key (KeySize bytes).
func New(inner store.Store, key []byte) (*Store, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("sealed: the key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Store{Store: inner, aead: aead}, nil
}

// LoadKeyFile reads a key file: the key in standard base64 (what
// `openssl rand -base64 32` prints), surrounding space ignored. With
// create, a missing file is made with a new random key, readable by its
// owner only.
func LoadKeyFile(path string, create bool) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		key := make([]byte, KeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		enc := base64.StdEncoding.EncodeToString(key) + "\n"
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return LoadKeyFile(path, false) // another process made it first
		}
		if err != nil {
			return nil, err
		}
		if _, err := f.WriteString(enc); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		return key, nil
	}
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: not base64: %w", path, err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("%s: the key must be %d bytes (openssl rand -base64 32), got %d", path, KeySize, len(key))
	}
	return key, nil
}

// IsSealed reports whether a stored value is sealed.
func IsSealed(v string) bool { return strings.HasPrefix(v, prefix) }

func (s *Store) seal(v, record string) string {
	if v == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	out := s.aead.Seal(nonce, nonce, []byte(v), []byte(record))
	return prefix + base64.RawStdEncoding.EncodeToString(out)
}

func (s *Store) open(v, record string) (string, error) {
	if !IsSealed(v) {
		return v, nil // written before sealing was turned on
	}
	raw, err := base64.RawStdEncoding.DecodeString(v[len(prefix):])
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", ErrWrongKey
	}
	n := s.aead.NonceSize()
	clear, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(record))
	if err != nil {
		return "", ErrWrongKey
	}
	return string(clear), nil
}

func clientRecord(c *model.Client) string { return "client/" + c.RealmID + "/" + c.ID + "/secret" }
func realmRecord(r *model.Realm) string   { return "realm/" + r.ID + "/smtpServer.password" }

// sealClient returns a copy of c whose secret is sealed; c is unchanged.
func (s *Store) sealClient(c *model.Client) *model.Client {
	if c.ID == "" {
		c.ID = uuid.NewString() // the seal is bound to the id, so it is chosen here
	}
	d := c.Clone()
	d.Secret = s.seal(c.Secret, clientRecord(c))
	return d
}

func (s *Store) openClient(c *model.Client) error {
	v, err := s.open(c.Secret, clientRecord(c))
	if err != nil {
		return fmt.Errorf("client %s of realm %s: %w", c.ClientID, c.RealmID, err)
	}
	c.Secret = v
	return nil
}

func (s *Store) sealRealm(r *model.Realm) *model.Realm {
	if r.ID == "" {
		r.ID = uuid.NewString()
	}
	d := r.Clone()
	if p := r.SMTPServer[smtpPassword]; p != "" {
		d.SMTPServer[smtpPassword] = s.seal(p, realmRecord(r))
	}
	return d
}

func (s *Store) openRealm(r *model.Realm) error {
	p, ok := r.SMTPServer[smtpPassword]
	if !ok {
		return nil
	}
	v, err := s.open(p, realmRecord(r))
	if err != nil {
		return fmt.Errorf("realm %s smtpServer: %w", r.Name, err)
	}
	r.SMTPServer[smtpPassword] = v
	return nil
}

// SealAll seals every secret still stored in clear and checks that every
// sealed one opens with this key. It returns how many it sealed.
func (s *Store) SealAll(ctx context.Context) (int, error) {
	realms, err := s.Store.ListRealms(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range realms {
		r := &realms[i]
		if p := r.SMTPServer[smtpPassword]; p != "" {
			if !IsSealed(p) {
				if err := s.Store.UpdateRealm(ctx, s.sealRealm(r)); err != nil {
					return n, err
				}
				n++
			} else if err := s.openRealm(r); err != nil {
				return n, err
			}
		}
		clients, err := s.Store.ListClients(ctx, r.ID, store.ClientQuery{})
		if err != nil {
			return n, err
		}
		for j := range clients {
			c := &clients[j]
			switch {
			case c.Secret == "":
			case !IsSealed(c.Secret):
				if err := s.Store.UpdateClient(ctx, s.sealClient(c)); err != nil {
					return n, err
				}
				n++
			default:
				if err := s.openClient(c); err != nil {
					return n, err
				}
			}
		}
	}
	return n, nil
}

// ErrKeyNeeded means the database holds sealed values but no key was given.
var ErrKeyNeeded = errors.New("the database holds encrypted client secrets or SMTP passwords: give the key with --secrets-key-file")

// CheckNone returns ErrKeyNeeded when st holds a sealed value, for a
// process that runs without a key.
func CheckNone(ctx context.Context, st store.Store) error {
	realms, err := st.ListRealms(ctx)
	if err != nil {
		return err
	}
	for _, r := range realms {
		if IsSealed(r.SMTPServer[smtpPassword]) {
			return ErrKeyNeeded
		}
		clients, err := st.ListClients(ctx, r.ID, store.ClientQuery{})
		if err != nil {
			return err
		}
		for _, c := range clients {
			if IsSealed(c.Secret) {
				return ErrKeyNeeded
			}
		}
	}
	return nil
}
