package password_test

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/credential"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/internal/user"
)

type fixture struct {
	ctx   context.Context
	st    store.Store
	pw    *password.Service
	realm *model.Realm
}

func setup(t *testing.T, st store.Store, policy string) *fixture {
	t.Helper()
	ctx := context.Background()
	pw := testenv.Passwords(t, st)
	rs := &realm.Service{Store: st, Log: testenv.Logger(t), Passwords: pw}
	if _, err := rs.EnsureMaster(ctx, "admin", "admin"); err != nil {
		t.Fatal(err)
	}
	r := realm.Defaults("demo")
	r.PasswordPolicy = policy
	if err := rs.Create(ctx, &r, realm.Contents{}); err != nil {
		t.Fatal(err)
	}
	return &fixture{ctx: ctx, st: st, pw: pw, realm: &r}
}

// newUser creates a user with password through the creation path.
func (f *fixture) newUser(t *testing.T, name, pw string) *model.User {
	t.Helper()
	u := &model.User{Username: name, Enabled: true}
	if err := f.pw.Check(f.ctx, f.realm, u, pw); err != nil {
		t.Fatal(err)
	}
	cred, err := f.pw.NewCredential(f.ctx, f.realm, pw)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.InTx(f.ctx, func(tx store.Store) error {
		return user.Insert(f.ctx, tx, f.realm, u, []model.Credential{cred}, nil)
	}); err != nil {
		t.Fatal(err)
	}
	return u
}

func violations(err error) []string {
	var pe *password.PolicyError
	if !errors.As(err, &pe) {
		return nil
	}
	var out []string
	for _, v := range pe.Violations {
		out = append(out, v.Key)
	}
	return out
}

func TestCheck(t *testing.T) { testenv.EachStore(t, testCheck) }

func testCheck(t *testing.T, st store.Store) {
	f := setup(t, st, "length(8) and digits(1) and upperCase(1) and specialChars(1) and notUsername")
	u := &model.User{Username: "jane"}
	err := f.pw.Check(f.ctx, f.realm, u, "abc")
	want := "invalidPasswordMinSpecialCharsMessage,invalidPasswordMinUpperCaseCharsMessage,invalidPasswordMinLengthMessage,invalidPasswordMinDigitsMessage"
	if got := strings.Join(violations(err), ","); got != want {
		t.Errorf("violations %s\nwant %s", got, want)
	}
	if err.Error() != "Invalid password: must contain at least 1 special characters." {
		t.Errorf("first message %q", err)
	}
	if err := f.pw.Check(f.ctx, f.realm, &model.User{Username: "ja-ne12A!"}, "JA-NE12A!"); strings.Join(violations(err), ",") != "invalidPasswordNotUsernameMessage" {
		t.Errorf("notUsername: %v", err)
	}
	if err := f.pw.Check(f.ctx, f.realm, u, "Str0ng!pass"); err != nil {
		t.Errorf("a good password was refused: %v", err)
	}
	// The policy is the realm's current one, not a cached older one.
	f.realm.PasswordPolicy = "length(20)"
	if got := violations(f.pw.Check(f.ctx, f.realm, u, "Str0ng!pass")); len(got) != 1 || got[0] != "invalidPasswordMinLengthMessage" {
		t.Errorf("changed policy not applied: %v", got)
	}
	f.realm.PasswordPolicy = "lenght(8)"
	if err := f.pw.Check(f.ctx, f.realm, u, "x"); !errors.Is(err, password.ErrPolicy) || !strings.Contains(err.Error(), "Password policy not found") {
		t.Errorf("bad policy: %v", err)
	}
	if err := f.pw.ValidatePolicy("hashAlgorithm(md5)"); err == nil || !strings.Contains(err.Error(), "Invalid config for hashAlgorithm: Password hashing provider not found") {
		t.Errorf("unknown hash algorithm: %v", err)
	}
}

func TestHistory(t *testing.T) { testenv.EachStore(t, testHistory) }

func testHistory(t *testing.T, st store.Store) {
	f := setup(t, st, "passwordHistory(3)")
	u := f.newUser(t, "hist", "pw-1")
	for _, p := range []string{"pw-2", "pw-3"} {
		if err := f.pw.Set(f.ctx, f.realm, u, p); err != nil {
			t.Fatal(err)
		}
	}
	// Current pw-3, history pw-2 and pw-1: all three refused.
	for _, p := range []string{"pw-3", "pw-2", "pw-1"} {
		if got := violations(f.pw.Set(f.ctx, f.realm, u, p)); len(got) != 1 || got[0] != "invalidPasswordHistoryMessage" {
			t.Errorf("reuse of %s: %v", p, got)
		}
	}
	if err := f.pw.Set(f.ctx, f.realm, u, "pw-4"); err != nil {
		t.Fatal(err)
	}
	// History keeps N-1 = 2 entries: pw-1 has rotated out.
	if err := f.pw.Check(f.ctx, f.realm, u, "pw-1"); err != nil {
		t.Errorf("pw-1 should have left the history: %v", err)
	}
	creds, _ := f.st.ListCredentials(f.ctx, u.ID)
	counts := map[string]int{}
	for _, c := range creds {
		counts[c.Type]++
	}
	if counts[model.CredentialPassword] != 1 || counts[model.CredentialPasswordHistory] != 2 {
		t.Errorf("credentials = %v", counts)
	}
	if ok, _ := f.pw.Verify(f.ctx, f.realm, u, "pw-4"); !ok {
		t.Error("the new password does not verify")
	}
	if ok, _ := f.pw.Verify(f.ctx, f.realm, u, "pw-3"); ok {
		t.Error("a history entry is accepted as the password")
	}
}

func pbkdf2Credential(pw string) model.Credential {
	salt := []byte("saltsaltsaltsalt")
	key, _ := pbkdf2.Key(sha256.New, pw, salt, 27500, 64)
	return model.Credential{Type: model.CredentialPassword, Priority: 10,
		SecretData: fmt.Sprintf(`{"value":%q,"salt":%q,"additionalParameters":{}}`,
			base64.StdEncoding.EncodeToString(key), base64.StdEncoding.EncodeToString(salt)),
		CredentialData: `{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}`}
}

func algorithmOf(t *testing.T, st store.Store, userID string) string {
	creds, err := st.ListCredentials(context.Background(), userID)
	if err != nil || len(creds) != 1 {
		t.Fatalf("credentials: %v %v", creds, err)
	}
	alg, _, _ := credential.Describe(credential.Encoded{SecretData: creds[0].SecretData, CredentialData: creds[0].CredentialData})
	return alg
}

func TestVerifyRehashes(t *testing.T) { testenv.EachStore(t, testVerifyRehashes) }

func testVerifyRehashes(t *testing.T, st store.Store) {
	f := setup(t, st, "hashAlgorithm(pbkdf2-sha256) and hashIterations(27500)")
	u := &model.User{Username: "legacy", Enabled: true}
	if err := st.InTx(f.ctx, func(tx store.Store) error {
		return user.Insert(f.ctx, tx, f.realm, u, []model.Credential{pbkdf2Credential("old-pw")}, nil)
	}); err != nil {
		t.Fatal(err)
	}
	// Same algorithm and parameters as the realm asks for: kept as is.
	if ok, err := f.pw.Verify(f.ctx, f.realm, u, "old-pw"); !ok || err != nil {
		t.Fatalf("verify: %v %v", ok, err)
	}
	if alg := algorithmOf(t, st, u.ID); alg != "pbkdf2-sha256" {
		t.Fatalf("re-hashed although nothing changed: %s", alg)
	}
	// The realm moves to its default (argon2): the next login re-hashes.
	f.realm.PasswordPolicy = ""
	if ok, _ := f.pw.Verify(f.ctx, f.realm, u, "wrong"); ok {
		t.Fatal("wrong password verified")
	}
	if alg := algorithmOf(t, st, u.ID); alg != "pbkdf2-sha256" {
		t.Fatal("a failed login re-hashed")
	}
	if ok, _ := f.pw.Verify(f.ctx, f.realm, u, "old-pw"); !ok {
		t.Fatal("verify before re-hash failed")
	}
	if alg := algorithmOf(t, st, u.ID); alg != "argon2" {
		t.Fatalf("not re-hashed to the realm's algorithm: %s", alg)
	}
	if ok, _ := f.pw.Verify(f.ctx, f.realm, u, "old-pw"); !ok {
		t.Fatal("the re-hashed password does not verify")
	}
}

type hashes struct {
	mu    sync.Mutex
	algos []string
}

func (h *hashes) HashQueueDepth(int) {}
func (h *hashes) HashDone(alg string, _ time.Duration) {
	h.mu.Lock()
	h.algos = append(h.algos, alg)
	h.mu.Unlock()
}

// An unknown user costs the same hash as a known one, so response times
// do not reveal which usernames exist.
func TestVerifyUnknownUserSpendsAHash(t *testing.T) {
	st := testenv.SQLite(t)
	f := setup(t, st, "")
	obs := &hashes{}
	f.pw.Hasher = credential.NewHasher(0, obs)
	u := f.newUser(t, "known", "known-pw")
	obs.algos = nil
	if ok, err := f.pw.Verify(f.ctx, f.realm, nil, "guess"); ok || err != nil {
		t.Fatalf("unknown user: %v %v", ok, err)
	}
	if ok, _ := f.pw.Verify(f.ctx, f.realm, u, "guess"); ok {
		t.Fatal("wrong password verified")
	}
	if len(obs.algos) != 2 || obs.algos[0] != obs.algos[1] || obs.algos[0] != "argon2" {
		t.Errorf("hashes spent: %v, want one argon2 for each", obs.algos)
	}
}
