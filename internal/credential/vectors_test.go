package credential

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// The generator below writes credentials the way Keycloak's providers
// describe them, by hand, independently of the package's encoder: argon2
// (Argon2PasswordHashProvider: Bouncy Castle Argon2BytesGenerator over the
// UTF-8 password, value and salt standard Base64, parameters as
// single-element string lists) and PBKDF2 (Pbkdf2PasswordHashProvider:
// PBKDF2WithHmacSHA*, keyLen = derivedKeySize / 8).

var b64 = base64.StdEncoding.EncodeToString

func kcArgon2(password, typ string, salt []byte, t, m uint32, p uint8, n uint32, paramsKey string) Encoded {
	kdf := argon2.IDKey
	if typ == "i" {
		kdf = argon2.Key
	}
	sum := kdf([]byte(password), salt, t, m, p, n)
	return Encoded{
		SecretData: fmt.Sprintf(`{"value":%q,"salt":%q,"additionalParameters":{}}`, b64(sum), b64(salt)),
		CredentialData: fmt.Sprintf(`{"hashIterations":%d,"algorithm":"argon2","%s":{"hashLength":["%d"],"memory":["%d"],"type":["%s"],"version":["1.3"],"parallelism":["%d"]}}`,
			t, paramsKey, n, m, typ, p),
	}
}

func kcPBKDF2(password, algorithm string, h func() hash.Hash, salt []byte, iterations, keyLen int) Encoded {
	key, err := pbkdf2.Key(h, password, salt, iterations, keyLen)
	if err != nil {
		panic(err)
	}
	return Encoded{
		SecretData:     fmt.Sprintf(`{"value":%q,"salt":%q,"additionalParameters":{}}`, b64(key), b64(salt)),
		CredentialData: fmt.Sprintf(`{"hashIterations":%d,"algorithm":%q,"additionalParameters":{}}`, iterations, algorithm),
	}
}

// kcBcrypt is the keycloak-bcrypt extension's shape: the modular-crypt string
// as value, an empty salt, the cost as hashIterations.
func kcBcrypt(t testing.TB, password, prefix string, cost int) Encoded {
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		t.Fatal(err)
	}
	v := prefix + string(h[4:]) // x/crypto writes $2a$; $2b$/$2y$ differ only in name here
	return Encoded{
		SecretData:     fmt.Sprintf(`{"value":%q,"salt":"","additionalParameters":{}}`, v),
		CredentialData: fmt.Sprintf(`{"hashIterations":%d,"algorithm":"bcrypt","additionalParameters":{}}`, cost),
	}
}

func kcBcryptB(b *testing.B, cost int) Encoded { return kcBcrypt(b, "bench-password", "$2a$", cost) }

var salt16 = []byte("0123456789abcdef")

func TestVerifyEveryFormat(t *testing.T) {
	const pw = "Pässwörd-1 ✓" // non-ASCII: Keycloak hashes UTF-8
	cases := []struct {
		name string
		e    Encoded
	}{
		{"argon2id keycloak defaults", kcArgon2(pw, "id", salt16, 5, 7168, 1, 32, "additionalParameters")},
		{"argon2id other params", kcArgon2(pw, "id", salt16[:8], 2, 1024, 2, 16, "additionalParameters")},
		{"argon2i", kcArgon2(pw, "i", salt16, 3, 4096, 1, 32, "additionalParameters")},
		{"argon2 params under algorithmData", kcArgon2(pw, "id", salt16, 1, 64, 1, 32, "algorithmData")},
		{"pbkdf2-sha512 64B", kcPBKDF2(pw, "pbkdf2-sha512", sha512.New, salt16, 2100, 64)},
		{"pbkdf2-sha256 27500 64B (Keycloak <= 20)", kcPBKDF2(pw, "pbkdf2-sha256", sha256.New, salt16, 27500, 64)},
		{"pbkdf2-sha256 27500 32B (Keycloak 21-23)", kcPBKDF2(pw, "pbkdf2-sha256", sha256.New, salt16, 27500, 32)},
		{"pbkdf2 sha1 64B", kcPBKDF2(pw, "pbkdf2", sha1.New, salt16, 1300, 64)},
		{"bcrypt $2a$", kcBcrypt(t, pw, "$2a$", 4)},
		{"bcrypt $2b$", kcBcrypt(t, pw, "$2b$", 5)},
		{"bcrypt $2y$", kcBcrypt(t, pw, "$2y$", 4)},
	}
	h := NewHasher(2, nil)
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := Validate(c.e); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			for _, try := range []struct {
				pw   string
				want bool
			}{{pw, true}, {pw + " ", false}, {strings.ToLower(pw), false}, {"", false}} {
				ok, err := h.Verify(ctx, try.pw, c.e)
				if err != nil || ok != try.want {
					t.Errorf("Verify(%q) = %v, %v; want %v", try.pw, ok, err, try.want)
				}
			}
		})
	}
}

func TestVerifyLegacyForm(t *testing.T) {
	// Keycloak's deprecated form: hashedSaltedValue, salt, hashIterations and
	// no algorithm, which old Keycloak imported as "pbkdf2" (SHA-1).
	key, _ := pbkdf2.Key(sha1.New, "s3cret", salt16, 1, 64)
	for _, alg := range []string{"", "HmacSHA1", "pbkdf2"} {
		e, err := EncodeLegacy(b64(key), b64(salt16), alg, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(e.CredentialData, `"algorithm":"pbkdf2"`) {
			t.Errorf("algorithm %q encoded as %s", alg, e.CredentialData)
		}
		for pw, want := range map[string]bool{"s3cret": true, "s3cre": false} {
			if ok, err := NewHasher(1, nil).Verify(context.Background(), pw, e); ok != want || err != nil {
				t.Errorf("alg %q: Verify(%q) = %v, %v", alg, pw, ok, err)
			}
		}
	}
	// A credential stored earlier with no algorithm at all resolves the same way.
	e := Encoded{SecretData: fmt.Sprintf(`{"value":%q,"salt":%q}`, b64(key), b64(salt16)), CredentialData: `{"hashIterations":1}`}
	if ok, err := NewHasher(1, nil).Verify(context.Background(), "s3cret", e); !ok || err != nil {
		t.Errorf("absent algorithm: %v, %v", ok, err)
	}
	// A legacy sha256 credential keeps its algorithm.
	e, _ = EncodeLegacy(b64(key), b64(salt16), "pbkdf2-sha256", 27500)
	if !strings.Contains(e.CredentialData, `"algorithm":"pbkdf2-sha256","additionalParameters":{}`) || !strings.Contains(e.CredentialData, `"hashIterations":27500`) {
		t.Errorf("got %s", e.CredentialData)
	}
}

func TestVerifyErrors(t *testing.T) {
	good := kcArgon2("pw", "id", salt16, 1, 64, 1, 32, "additionalParameters")
	pb := kcPBKDF2("pw", "pbkdf2-sha256", sha256.New, salt16, 10, 32)
	with := func(e Encoded, old, new string) Encoded {
		e.CredentialData = strings.Replace(e.CredentialData, old, new, 1)
		e.SecretData = strings.Replace(e.SecretData, old, new, 1)
		return e
	}
	cases := []struct {
		name    string
		e       Encoded
		want    error
		message string
	}{
		{"argon2d", with(good, `["id"]`, `["d"]`), ErrUnsupported, "Argon2d"},
		{"argon2 version 1.0", with(good, `["1.3"]`, `["1.0"]`), ErrUnsupported, "version 1.0"},
		{"argon2 unknown type", with(good, `["id"]`, `["x"]`), ErrMalformed, ""},
		{"argon2 no memory", with(good, `"memory":["64"],`, ``), ErrMalformed, "memory"},
		{"argon2 memory over limit", with(good, `["64"]`, `["4194304"]`), ErrUnsupported, "limits"},
		{"argon2 hashLength disagrees", with(good, `"hashLength":["32"]`, `"hashLength":["16"]`), ErrMalformed, ""},
		{"argon2 zero iterations", with(good, `"hashIterations":1`, `"hashIterations":0`), ErrMalformed, ""},
		{"unknown algorithm", with(pb, `pbkdf2-sha256`, `md5`), ErrUnsupported, "md5"},
		{"pbkdf2 placeholder salt", with(pb, b64(salt16), "__SALT__"), ErrMalformed, "salt"},
		{"pbkdf2 null salt", Encoded{SecretData: `{"value":"AAAA","salt":null}`, CredentialData: pb.CredentialData}, ErrMalformed, "salt"},
		{"pbkdf2 bad base64 value", Encoded{SecretData: `{"value":"%%%","salt":"AAAA"}`, CredentialData: pb.CredentialData}, ErrMalformed, ""},
		{"pbkdf2 too many iterations", with(pb, `"hashIterations":10`, `"hashIterations":2000000000`), ErrUnsupported, ""},
		{"bcrypt not modular crypt", Encoded{SecretData: `{"value":"abc","salt":""}`, CredentialData: `{"hashIterations":10,"algorithm":"bcrypt"}`}, ErrMalformed, ""},
		{"bcrypt cost over limit", Encoded{SecretData: `{"value":"$2a$20$0123456789012345678901uWv8zlvYvI0pDhsIaWn2WNZ7LgCsGgIm","salt":""}`, CredentialData: `{"hashIterations":20,"algorithm":"bcrypt"}`}, ErrUnsupported, ""},
		{"secret data not JSON", Encoded{SecretData: `{`, CredentialData: pb.CredentialData}, ErrMalformed, ""},
		{"credential data not JSON", Encoded{SecretData: pb.SecretData, CredentialData: `[]`}, ErrMalformed, ""},
	}
	h := NewHasher(1, nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, err := h.Verify(context.Background(), "pw", c.e)
			if ok || !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.message) {
				t.Fatalf("Verify = %v, %v; want %v containing %q", ok, err, c.want, c.message)
			}
			if verr := Validate(c.e); !errors.Is(verr, c.want) {
				t.Errorf("Validate = %v", verr)
			}
			if strings.Contains(err.Error(), "pw\"") {
				t.Errorf("error mentions the password: %v", err)
			}
		})
	}
}

func TestLenientJSON(t *testing.T) {
	// Keycloak 11-13 wrote algorithmData as Map<String,String>; Jackson also
	// reads numbers as strings and numeric strings as ints.
	sum := argon2.IDKey([]byte("pw"), salt16, 2, 64, 1, 32)
	e := Encoded{
		SecretData:     fmt.Sprintf("{\"value\":\"%s\",\"salt\":\"%s\"}", b64(sum), strings.TrimRight(b64(salt16), "=")),
		CredentialData: `{"hashIterations":"2","algorithm":"argon2","algorithmData":{"hashLength":32,"memory":"64","type":"id","version":"1.3","parallelism":[1]}}`,
	}
	if ok, err := VerifyArgon2("pw", e); !ok || err != nil {
		t.Fatalf("VerifyArgon2 = %v, %v", ok, err)
	}
	if alg, it, err := Describe(e); alg != "argon2" || it != 2 || err != nil {
		t.Errorf("Describe = %q, %d, %v", alg, it, err)
	}
}
