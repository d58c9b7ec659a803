package password

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/credential"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/store"
)

// Service applies realms' password rules.
type Service struct {
	Store  store.Store
	Hasher *credential.Hasher
	// PolicyOptions configure policy parsing (the blacklist directory).
	PolicyOptions policy.Options
	// Argon2 are the server's argon2 parameters for new hashes (memory,
	// iterations, parallelism; zero fields are Keycloak's defaults). A
	// realm's hashIterations(n) still replaces the iterations.
	Argon2 credential.Argon2Params
	Log    *slog.Logger
	Now    func() time.Time

	mu       sync.Mutex
	policies map[string]*policy.Policy // parsed, by policy string
}

// ErrPolicy wraps an invalid realm password-policy string; its text is
// Keycloak's message ("Password policy not found", ...).
var ErrPolicy = errors.New("invalid password policy")

// PolicyError is a password that the realm's policy refuses.
type PolicyError struct {
	// Violations are every failing rule in Keycloak's order: the first is
	// what Keycloak's admin API reports.
	Violations []policy.Violation
}

func (e *PolicyError) Error() string { return e.Violations[0].Message }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Policy returns the realm's parsed policy. Parsing is cached by the policy
// string, so a realm whose policy changes gets the new one at once.
func (s *Service) Policy(r *model.Realm) (*policy.Policy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.policies[r.PasswordPolicy]; ok {
		return p, nil
	}
	p, err := policy.Parse(r.PasswordPolicy, s.PolicyOptions)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPolicy, err)
	}
	if alg := p.HashAlgorithm(); alg != "" && !credential.CanHash(alg) {
		// Keycloak's HashAlgorithmPasswordPolicyProviderFactory.parseConfig.
		return nil, fmt.Errorf("%w: %w", ErrPolicy,
			&policy.Error{Message: "Invalid config for hashAlgorithm: Password hashing provider not found"})
	}
	if s.policies == nil {
		s.policies = map[string]*policy.Policy{}
	}
	s.policies[r.PasswordPolicy] = p
	return p, nil
}

// ValidatePolicy checks a policy string as a realm update would, answering
// with Keycloak's message.
func (s *Service) ValidatePolicy(policyString string) error {
	_, err := s.Policy(&model.Realm{PasswordPolicy: policyString})
	return err
}

// HashParams are the realm's choice of algorithm for new hashes.
func (s *Service) HashParams(r *model.Realm) (credential.Params, error) {
	p, err := s.Policy(r)
	if err != nil {
		return credential.Params{}, err
	}
	it := p.HashIterations()
	if it < 0 {
		it = 0
	}
	return credential.Params{Algorithm: p.HashAlgorithm(), Iterations: it, Argon2: s.Argon2}, nil
}

// Check validates password for u (a new user when u.ID is empty) against
// the realm's policy. It returns a *PolicyError when the policy refuses it.
func (s *Service) Check(ctx context.Context, r *model.Realm, u *model.User, password string) error {
	p, err := s.Policy(r)
	if err != nil {
		return err
	}
	pc := policy.Context{Username: u.Username, Email: u.Email, Now: s.now()}
	if u.ID != "" && (p.HistoryCount() > 0 || p.AgeDays() > 0) {
		pc.Reused = func(pw string, count int, newerThan time.Time) (bool, error) {
			return s.reused(ctx, u.ID, pw, count, newerThan)
		}
	}
	vs, err := p.Validate(password, pc)
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		return &PolicyError{Violations: vs}
	}
	return nil
}

// reused reports whether pw equals the user's current password or one of
// the count-1 newest history entries, or any entry newer than newerThan.
func (s *Service) reused(ctx context.Context, userID, pw string, count int, newerThan time.Time) (bool, error) {
	creds, err := s.Store.ListCredentials(ctx, userID)
	if err != nil {
		return false, err
	}
	var candidates []model.Credential
	var history []model.Credential
	for _, c := range creds {
		switch c.Type {
		case model.CredentialPassword:
			candidates = append(candidates, c)
		case model.CredentialPasswordHistory:
			history = append(history, c)
		}
	}
	newestFirst(history)
	for i, h := range history {
		if i < count-1 || (!newerThan.IsZero() && h.CreatedAt.After(newerThan)) {
			candidates = append(candidates, h)
		}
	}
	for _, c := range candidates {
		ok, err := s.Hasher.Verify(ctx, pw, encoded(c))
		if err != nil && !errors.Is(err, credential.ErrUnsupported) && !errors.Is(err, credential.ErrMalformed) {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func newestFirst(cs []model.Credential) {
	slices.SortStableFunc(cs, func(a, b model.Credential) int { return b.CreatedAt.Compare(a.CreatedAt) })
}

func encoded(c model.Credential) credential.Encoded {
	return credential.Encoded{SecretData: c.SecretData, CredentialData: c.CredentialData}
}

// NewCredential hashes password with the realm's algorithm. Hashing is slow
// and bounded by the Hasher: call it before a transaction, never inside.
func (s *Service) NewCredential(ctx context.Context, r *model.Realm, password string) (model.Credential, error) {
	params, err := s.HashParams(r)
	if err != nil {
		return model.Credential{}, err
	}
	e, err := s.Hasher.Hash(ctx, password, params)
	if err != nil {
		return model.Credential{}, err
	}
	return model.Credential{Type: model.CredentialPassword, SecretData: e.SecretData,
		CredentialData: e.CredentialData, Priority: 10, CreatedAt: s.now()}, nil
}
