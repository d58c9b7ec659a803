package credential

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"regexp"
	"testing"
)

// New hashes are byte-for-byte the JSON Keycloak writes (reference 4.3), with
// each algorithm's Keycloak 24+ defaults.
func TestHashShapes(t *testing.T) {
	cases := []struct {
		p              Params
		credentialData string
		secret         string // value and salt lengths in Base64
	}{
		{Params{}, `{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}}`, `^\{"value":"[A-Za-z0-9+/]{43}=","salt":"[A-Za-z0-9+/]{22}==","additionalParameters":\{\}\}$`},
		{Params{Algorithm: "argon2", Iterations: 3}, `{"hashIterations":3,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}}`, ""},
		{Params{Algorithm: "argon2", Iterations: 27500}, `{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}}`, ""},
		{Params{Algorithm: "pbkdf2-sha512"}, `{"hashIterations":210000,"algorithm":"pbkdf2-sha512","additionalParameters":{}}`, `^\{"value":"[A-Za-z0-9+/]{86}==","salt":"[A-Za-z0-9+/]{22}==","additionalParameters":\{\}\}$`},
		{Params{Algorithm: "pbkdf2-sha256"}, `{"hashIterations":600000,"algorithm":"pbkdf2-sha256","additionalParameters":{}}`, `^\{"value":"[A-Za-z0-9+/]{43}=","salt":"[A-Za-z0-9+/]{22}==","additionalParameters":\{\}\}$`},
		{Params{Algorithm: "pbkdf2-sha256", Iterations: 27500}, `{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}`, ""},
		// The 1.3M-iteration default is checked in TestPBKDF2Defaults: four
		// SHA-1 blocks x 1.3M take seconds per hash.
		{Params{Algorithm: "pbkdf2", Iterations: 1300}, `{"hashIterations":1300,"algorithm":"pbkdf2","additionalParameters":{}}`, `^\{"value":"[A-Za-z0-9+/]{86}==","salt":"[A-Za-z0-9+/]{22}==","additionalParameters":\{\}\}$`},
		{Params{Algorithm: "bcrypt", Iterations: 4}, `{"hashIterations":4,"algorithm":"bcrypt","additionalParameters":{}}`, `^\{"value":"\$2a\$04\$[./A-Za-z0-9]{53}","salt":"","additionalParameters":\{\}\}$`},
	}
	h := NewHasher(0, nil)
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.p.Algorithm, func(t *testing.T) {
			e, err := h.Hash(ctx, "correct horse", c.p)
			if err != nil {
				t.Fatal(err)
			}
			if e.CredentialData != c.credentialData {
				t.Errorf("credentialData\n got %s\nwant %s", e.CredentialData, c.credentialData)
			}
			if c.secret != "" && !regexp.MustCompile(c.secret).MatchString(e.SecretData) {
				t.Errorf("secretData %s does not match %s", e.SecretData, c.secret)
			}
			if ok, err := h.Verify(ctx, "correct horse", e); !ok || err != nil {
				t.Errorf("Verify(right) = %v, %v", ok, err)
			}
			if ok, err := h.Verify(ctx, "correct horsE", e); ok || err != nil {
				t.Errorf("Verify(wrong) = %v, %v", ok, err)
			}
			if NeedsRehash(e, c.p) {
				t.Errorf("a fresh hash needs a rehash under the params that made it")
			}
		})
	}
}

// Keycloak 24+'s factory defaults (DEFAULT_ITERATIONS, derived key size).
func TestPBKDF2Defaults(t *testing.T) {
	for alg, want := range map[string][2]int{
		"pbkdf2-sha512": {210_000, 64},
		"pbkdf2-sha256": {600_000, 32},
		"pbkdf2":        {1_300_000, 64},
	} {
		s := pbkdf2Schemes[alg]
		if s.target(0) != want[0] || s.target(-1) != want[0] || s.keyLen != want[1] || s.target(27500) != 27500 {
			t.Errorf("%s: iterations %d, key %d bytes; want %v", alg, s.target(0), s.keyLen, want)
		}
	}
}

func TestHashSaltsDiffer(t *testing.T) {
	h := NewHasher(0, nil)
	a, _ := h.Hash(context.Background(), "pw", Params{})
	b, _ := h.Hash(context.Background(), "pw", Params{})
	if a.SecretData == b.SecretData {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestHashRejects(t *testing.T) {
	h := NewHasher(0, nil)
	for _, p := range []Params{{Algorithm: "md5"}, {Algorithm: "pbkdf2-sha256", Iterations: maxPBKDF2Iterations + 1}} {
		if _, err := h.Hash(context.Background(), "pw", p); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Hash(%+v) err = %v", p, err)
		}
		if CanHash(p.Algorithm) && p.Iterations == 0 {
			t.Errorf("CanHash(%q) = true", p.Algorithm)
		}
	}
	long := string(make([]byte, 73))
	if _, err := h.Hash(context.Background(), long, Params{Algorithm: "bcrypt", Iterations: 4}); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("bcrypt 73 bytes: %v", err)
	}
	for _, a := range []string{"", "argon2", "pbkdf2-sha512", "pbkdf2-sha256", "pbkdf2", "bcrypt"} {
		if !CanHash(a) || !Supported(a) {
			t.Errorf("CanHash/Supported(%q) false", a)
		}
	}
	if Supported("sha1") || Supported("argon2id") {
		t.Error("unknown ids supported")
	}
}

func TestNeedsRehash(t *testing.T) {
	h := NewHasher(0, nil)
	ctx := context.Background()
	mk := func(p Params) Encoded {
		e, err := h.Hash(ctx, "pw", p)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	argonDefault := mk(Params{})
	argon3 := mk(Params{Iterations: 3})
	owasp := Argon2Params{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}
	argonOWASP := mk(Params{Argon2: owasp})
	sha256k := mk(Params{Algorithm: "pbkdf2-sha256", Iterations: 27500})
	bc := mk(Params{Algorithm: "bcrypt", Iterations: 4})
	old64 := kcPBKDF2("pw", "pbkdf2-sha256", sha256.New, salt16, 27500, 64)
	argonMem := kcArgon2("pw", "id", salt16, 5, 1024, 1, 32, "additionalParameters")
	argonI := kcArgon2("pw", "i", salt16, 5, 7168, 1, 32, "additionalParameters")
	argonLen := kcArgon2("pw", "id", salt16, 5, 7168, 1, 16, "additionalParameters")
	argonPar := kcArgon2("pw", "id", salt16, 5, 7168, 2, 32, "additionalParameters")
	legacy := mustLegacy("DGDID5YfDnHzqbUkr2ASBi/gN6Y=", "c2FsdA==", 1)

	cases := []struct {
		name string
		e    Encoded
		p    Params
		want bool
	}{
		{"argon2 default under default", argonDefault, Params{}, false},
		{"argon2 default named", argonDefault, Params{Algorithm: "argon2"}, false},
		{"argon2 default, policy hashIterations 3", argonDefault, Params{Iterations: 3}, true},
		{"argon2 t=3 under t=3", argon3, Params{Iterations: 3}, false},
		{"argon2 t=3 under default", argon3, Params{}, true},
		{"argon2 default, hashIterations over 100 is ignored", argonDefault, Params{Iterations: 210000}, false},
		{"argon2 other memory", argonMem, Params{}, true},
		{"argon2i", argonI, Params{}, true},
		{"argon2 other hash length", argonLen, Params{}, true},
		{"argon2 other parallelism", argonPar, Params{}, true},
		{"argon2 under pbkdf2-sha512", argonDefault, Params{Algorithm: "pbkdf2-sha512"}, true},
		{"pbkdf2-sha256 27500 under default", sha256k, Params{}, true},
		{"pbkdf2-sha256 27500 under the same", sha256k, Params{Algorithm: "pbkdf2-sha256", Iterations: 27500}, false},
		{"pbkdf2-sha256 27500 under sha256 default 600k", sha256k, Params{Algorithm: "pbkdf2-sha256"}, true},
		{"pbkdf2-sha256 64-byte key under 27500", old64, Params{Algorithm: "pbkdf2-sha256", Iterations: 27500}, true},
		{"legacy under pbkdf2 1", legacy, Params{Algorithm: "pbkdf2", Iterations: 1}, true}, // 20-byte key, want 64
		{"bcrypt 4 under bcrypt 4", bc, Params{Algorithm: "bcrypt", Iterations: 4}, false},
		{"bcrypt 4 under bcrypt default 10", bc, Params{Algorithm: "bcrypt"}, true},
		{"bcrypt under default", bc, Params{}, true},
		{"unknown target algorithm", argonDefault, Params{Algorithm: "md5"}, false},
		{"malformed", Encoded{SecretData: "{", CredentialData: "{"}, Params{}, true},
		{"argon2 default under server OWASP parameters", argonDefault, Params{Argon2: owasp}, true},
		{"argon2 OWASP under server OWASP parameters", argonOWASP, Params{Argon2: owasp}, false},
		{"argon2 OWASP under default", argonOWASP, Params{}, true},
		{"argon2 OWASP, policy hashIterations 2 under OWASP", argonOWASP, Params{Iterations: 2, Argon2: owasp}, false},
		{"argon2 OWASP, policy hashIterations 3 under OWASP", argonOWASP, Params{Iterations: 3, Argon2: owasp}, true},
	}
	for _, c := range cases {
		if got := NeedsRehash(c.e, c.p); got != c.want {
			t.Errorf("%s: NeedsRehash = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	for _, c := range []struct {
		e    Encoded
		alg  string
		iter int
	}{
		{fixedVectors[0].e, "argon2", 5},
		{fixedVectors[1].e, "pbkdf2-sha256", 27500},
		{fixedVectors[2].e, "pbkdf2", 1},
		{fixedVectors[5].e, "bcrypt", 10},
		{Encoded{SecretData: `{"value":"$2a$04$0123456789012345678901uWv8zlvYvI0pDhsIaWn2WNZ7LgCsGgIm"}`, CredentialData: `{"hashIterations":-1,"algorithm":"bcrypt"}`}, "bcrypt", 4},
	} {
		alg, it, err := Describe(c.e)
		if alg != c.alg || it != c.iter || err != nil {
			t.Errorf("Describe(%s) = %q, %d, %v; want %q, %d", c.e.CredentialData, alg, it, err, c.alg, c.iter)
		}
	}
	if _, _, err := Describe(Encoded{SecretData: "x"}); !errors.Is(err, ErrMalformed) {
		t.Errorf("Describe(garbage) err = %v", err)
	}
}

// Keycloak reads back what it writes: our output must decode with the field
// names Keycloak's DTOs use.
func TestEncodedFieldNames(t *testing.T) {
	e, err := HashArgon2("pw", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal([]byte(e.CredentialData), &c); err != nil {
		t.Fatal(err)
	}
	if _, ok := c["algorithmData"]; ok {
		t.Error("output uses algorithmData; Keycloak writes additionalParameters")
	}
	if c["hashIterations"] != float64(5) || c["algorithm"] != "argon2" {
		t.Errorf("credentialData = %v", c)
	}
}

// The server's argon2 parameters make new hashes (memory, iterations,
// parallelism in the stored credential data, verifiable); a zero field
// keeps Keycloak's default, and a realm's hashIterations replaces the
// server's iterations.
func TestServerArgon2Params(t *testing.T) {
	h := NewHasher(0, nil)
	ctx := context.Background()
	cases := []struct {
		name             string
		p                Params
		mem, iter, lanes string
	}{
		{"OWASP", Params{Argon2: Argon2Params{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}}, "19456", "2", "1"},
		{"memory only", Params{Argon2: Argon2Params{MemoryKiB: 9216}}, "9216", "5", "1"},
		{"two lanes", Params{Argon2: Argon2Params{Parallelism: 2}}, "7168", "5", "2"},
		{"policy iterations win", Params{Iterations: 3, Argon2: Argon2Params{MemoryKiB: 19456, Iterations: 2}}, "19456", "3", "1"},
	}
	for _, c := range cases {
		e, err := h.Hash(ctx, "pw", c.p)
		if err != nil {
			t.Fatal(err)
		}
		var data struct {
			HashIterations       json.Number         `json:"hashIterations"`
			AdditionalParameters map[string][]string `json:"additionalParameters"`
		}
		if err := json.Unmarshal([]byte(e.CredentialData), &data); err != nil {
			t.Fatal(err)
		}
		ap := data.AdditionalParameters
		if data.HashIterations.String() != c.iter || ap["memory"][0] != c.mem || ap["parallelism"][0] != c.lanes {
			t.Errorf("%s: credential data %s, want memory %s, iterations %s, parallelism %s", c.name, e.CredentialData, c.mem, c.iter, c.lanes)
		}
		if ok, err := h.Verify(ctx, "pw", e); !ok || err != nil {
			t.Errorf("%s: own hash does not verify: %v", c.name, err)
		}
		if NeedsRehash(e, c.p) {
			t.Errorf("%s: a fresh hash needs a rehash under its own parameters", c.name)
		}
	}
}
