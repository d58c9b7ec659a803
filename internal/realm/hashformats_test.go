package realm_test

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// hashedUser builds a user of a Keycloak export whose password credential
// was made, independently of latchkey's code, as the named Keycloak
// provider makes it.
func hashedUser(name, algorithm string, iterations int, secret map[string]any, params map[string][]string) string {
	sd, _ := json.Marshal(secret)
	cd, _ := json.Marshal(map[string]any{"hashIterations": iterations, "algorithm": algorithm,
		"additionalParameters": params})
	cred, _ := json.Marshal(map[string]any{"type": "password", "secretData": string(sd), "credentialData": string(cd)})
	return fmt.Sprintf(`{"username":%q,"enabled":true,"credentials":[%s]}`, name, cred)
}

func pbkdf2User(name, algorithm string, h func() hash.Hash, iterations, keyLen int, pw string) string {
	salt := []byte("keycloak-salt-16")
	key, _ := pbkdf2.Key(h, pw, salt, iterations, keyLen)
	return hashedUser(name, algorithm, iterations, map[string]any{
		"value": base64.StdEncoding.EncodeToString(key), "salt": base64.StdEncoding.EncodeToString(salt),
		"additionalParameters": map[string]any{}}, map[string][]string{})
}

func TestImportedHashesVerify(t *testing.T) { testenv.EachStore(t, testImportedHashesVerify) }

func testImportedHashesVerify(t *testing.T, st store.Store) {
	ctx := context.Background()
	svc, _ := newService(t, st)
	salt := []byte("argon-salt-bytes")
	a2 := argon2.IDKey([]byte("argon-pw"), salt, 3, 4096, 2, 32)
	bc, _ := bcrypt.GenerateFromPassword([]byte("bcrypt-pw"), 10)
	users := []string{
		hashedUser("argon", "argon2", 3, map[string]any{"value": base64.StdEncoding.EncodeToString(a2),
			"salt": base64.StdEncoding.EncodeToString(salt), "additionalParameters": map[string]any{}},
			map[string][]string{"hashLength": {"32"}, "memory": {"4096"}, "type": {"id"}, "version": {"1.3"}, "parallelism": {"2"}}),
		pbkdf2User("sha512", "pbkdf2-sha512", sha512.New, 210000, 64, "sha512-pw"),
		pbkdf2User("sha256-64", "pbkdf2-sha256", sha256.New, 27500, 64, "sha256-64-pw"),
		pbkdf2User("sha256-32", "pbkdf2-sha256", sha256.New, 27500, 32, "sha256-32-pw"),
		hashedUser("bcrypt", "bcrypt", 10, map[string]any{"value": string(bc), "salt": "", "additionalParameters": map[string]any{}},
			map[string][]string{}),
	}
	rep := decode(t, `{"realm":"formats","enabled":true,"users":[`+strings.Join(users, ",")+`]}`)
	r, err := svc.Import(ctx, rep)
	if err != nil {
		t.Fatal(err)
	}
	for name, pw := range map[string]string{"argon": "argon-pw", "sha512": "sha512-pw", "sha256-64": "sha256-64-pw",
		"sha256-32": "sha256-32-pw", "bcrypt": "bcrypt-pw"} {
		u, err := st.GetUserByUsername(ctx, r.ID, name)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := svc.Passwords.Verify(ctx, r, u, pw); !ok || err != nil {
			t.Errorf("%s: the imported hash does not verify its password: %v %v", name, ok, err)
		}
		if ok, _ := svc.Passwords.Verify(ctx, r, u, pw+"x"); ok {
			t.Errorf("%s: a wrong password verified", name)
		}
	}
}
