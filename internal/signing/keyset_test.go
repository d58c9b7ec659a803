package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/latchkey/latchkey/internal/model"
)

func newSet(t testing.TB, algs ...string) (*KeySet, []model.SigningKey) {
	t.Helper()
	var keys []model.SigningKey
	for _, a := range algs {
		k, err := NewKey("r1", "demo", a, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	ks, err := NewKeySet("r1", keys)
	if err != nil {
		t.Fatal(err)
	}
	return ks, keys
}

func TestSignVerifyEveryAlgorithm(t *testing.T) {
	ks, _ := newSet(t, RS256, ES256, EdDSA, HS512)
	all := []string{RS256, ES256, EdDSA, HS512}
	for _, alg := range all {
		tok, err := ks.Sign(alg, []byte(`{"sub":"x"}`))
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
		var h map[string]string
		_ = json.Unmarshal(hdr, &h)
		if h["alg"] != alg || h["typ"] != "JWT" || h["kid"] == "" {
			t.Errorf("%s header = %v", alg, h)
		}
		payload, got, err := ks.Verify(tok, all...)
		if err != nil || got != alg || string(payload) != `{"sub":"x"}` {
			t.Errorf("%s verify: %s %s %v", alg, payload, got, err)
		}
		if _, _, err := ks.Verify(tok, otherThan(all, alg)...); err == nil {
			t.Errorf("%s token accepted when %s is not allowed", alg, alg)
		}
	}
}

func otherThan(all []string, drop string) []string {
	var out []string
	for _, a := range all {
		if a != drop {
			out = append(out, a)
		}
	}
	return out
}

func TestVerifyRejects(t *testing.T) {
	ks, keys := newSet(t, RS256, HS512)
	good, _ := ks.Sign(RS256, []byte(`{"sub":"x"}`))
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding.EncodeToString

	// alg none, with and without a signature.
	noneHdr := b64([]byte(`{"alg":"none","kid":"` + keys[0].ID + `"}`))
	// The RSA public key used as an HMAC secret (algorithm confusion).
	confHdr := b64([]byte(`{"alg":"HS512","kid":"` + keys[0].ID + `","typ":"JWT"}`))
	pub, _ := PublicKeyBase64(keys[0])
	mac := hmac.New(sha256.New, []byte(pub))
	mac.Write([]byte(confHdr + "." + parts[1]))
	other, _ := newSet(t, RS256)
	foreign, _ := other.Sign(RS256, []byte(`{"sub":"x"}`))

	cases := map[string]struct {
		tok  string
		want error
	}{
		"none":           {noneHdr + "." + parts[1] + ".", ErrMalformed},
		"none signed":    {noneHdr + "." + parts[1] + "." + parts[2], ErrMalformed},
		"tampered":       {parts[0] + "." + b64([]byte(`{"sub":"admin"}`)) + "." + parts[2], ErrSignature},
		"alg confusion":  {confHdr + "." + parts[1] + "." + b64(mac.Sum(nil)), ErrSignature},
		"another realm":  {foreign, ErrUnknownKey},
		"garbage":        {"not-a-token", ErrMalformed},
		"empty":          {"", ErrMalformed},
		"two dots short": {"a.b", ErrMalformed},
	}
	for name, c := range cases {
		if _, _, err := ks.Verify(c.tok, RS256, HS512); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestDisabledAndInactiveKeys(t *testing.T) {
	old, _ := NewKey("r1", "demo", RS256, time.Now())
	newer, _ := NewKey("r1", "demo", RS256, time.Now())
	oldSet, _ := NewKeySet("r1", []model.SigningKey{old})
	oldTok, _ := oldSet.Sign(RS256, []byte(`{}`))

	// Rotation: a new active key signs; the old, now passive, still verifies.
	old.Active = false
	ks, err := NewKeySet("r1", []model.SigningKey{newer, old})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := ks.Sign(RS256, []byte(`{}`))
	if _, _, err := ks.Verify(tok, RS256); err != nil || !strings.Contains(headerKID(tok), newer.ID) {
		t.Errorf("new key does not sign: %v", err)
	}
	if _, _, err := ks.Verify(oldTok, RS256); err != nil {
		t.Errorf("a passive key must still verify: %v", err)
	}
	// Disabled: neither signs nor verifies, nor is published.
	old.Enabled = false
	ks, _ = NewKeySet("r1", []model.SigningKey{newer, old})
	if _, _, err := ks.Verify(oldTok, RS256); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("a disabled key verified: %v", err)
	}
	if n := len(ks.JWKS().Keys); n != 1 {
		t.Errorf("JWKS has %d keys, want 1", n)
	}
}

func headerKID(tok string) string {
	b, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	return string(b)
}

func TestJWKS(t *testing.T) {
	ks, keys := newSet(t, RS256, ES256, EdDSA, HS512)
	b, err := json.Marshal(ks.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	_ = json.Unmarshal(b, &raw)
	if len(raw.Keys) != 3 {
		t.Fatalf("JWKS = %s", b)
	}
	for i, k := range raw.Keys {
		for _, f := range []string{"kid", "kty", "alg", "use", "x5c", "x5t", "x5t#S256"} {
			if _, ok := k[f]; !ok {
				t.Errorf("key %d (%v) lacks %s", i, k["alg"], f)
			}
		}
		if _, ok := k["d"]; ok {
			t.Fatalf("private key material published: %v", k)
		}
	}
	if raw.Keys[0]["kty"] != "RSA" || raw.Keys[0]["e"] != "AQAB" || raw.Keys[0]["kid"] != keys[0].ID {
		t.Errorf("RSA key = %v", raw.Keys[0])
	}
	// A relying party that fetched this JWKS verifies our tokens with it.
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatalf("JWKS does not parse back (thumbprints must match certificates): %v", err)
	}
	for _, alg := range []string{RS256, ES256, EdDSA} {
		tok, _ := ks.Sign(alg, []byte(`{"a":1}`))
		jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
		if err != nil {
			t.Fatal(err)
		}
		pub := set.Key(jws.Signatures[0].Header.KeyID)
		if len(pub) != 1 {
			t.Fatalf("%s: kid not in JWKS", alg)
		}
		if _, err := jws.Verify(pub[0]); err != nil {
			t.Errorf("%s: JWKS key does not verify: %v", alg, err)
		}
	}
}
