package oidc_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/testenv"
)

// realmKeys is the realm's own key set, read from the store: tests sign
// tokens with it to build ones the server would never issue (expired,
// of another type) but that carry a valid signature.
func realmKeys(t testing.TB, s *testenv.Server, realm string) *signing.KeySet {
	t.Helper()
	rl := s.Realm(realm)
	keys, err := s.Store.ListKeys(ctx(), rl.ID)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := signing.NewKeySet(rl.ID, keys)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// resign signs claims (a token's claims with changes applied) with the
// realm's key for alg.
func resign(t testing.TB, s *testenv.Server, realm, alg string, claims map[string]any, changes map[string]any) string {
	t.Helper()
	c := maps.Clone(claims)
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := realmKeys(t, s, realm).Sign(alg, b)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// rawJWT assembles a compact JWS from a header, claims and a signature
// function of the signing input (nil: an empty signature).
func rawJWT(t testing.TB, header, claims map[string]any, sign func([]byte) []byte) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(header) + "." + enc(claims)
	var sig []byte
	if sign != nil {
		sig = sign([]byte(input))
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// forgeries of a genuine token: each must be refused wherever a token is
// accepted.
func forgeries(t testing.TB, s *testenv.Server, realm, genuine string) map[string]string {
	t.Helper()
	header, claims := jwtParts(t, genuine)
	out := map[string]string{}

	// A key of the same type that the realm does not have.
	other, err := signing.NewKey("x", "x", header["alg"].(string), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ks, err := signing.NewKeySet("x", []model.SigningKey{other})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	if out["unknown key"], err = ks.Sign(header["alg"].(string), payload); err != nil {
		t.Fatal(err)
	}
	// The same kid, signed by the other key.
	_, otherSig := splitSig(out["unknown key"])
	out["realm kid, other key's signature"] = rawJWT(t, header, claims, func([]byte) []byte { return otherSig })
	// alg none, no signature.
	h := maps.Clone(header)
	h["alg"] = "none"
	out["alg none"] = rawJWT(t, h, claims, nil)
	// Altered payload under the genuine signature.
	altered := maps.Clone(claims)
	altered["preferred_username"] = "mallory"
	altered["exp"] = float64(time.Now().Add(time.Hour).Unix())
	_, sig := splitSig(genuine)
	out["altered payload"] = rawJWT(t, header, altered, func([]byte) []byte { return sig })
	// Expired, genuinely signed.
	if header["alg"] != "HS512" {
		out["expired"] = resign(t, s, realm, header["alg"].(string), claims,
			map[string]any{"exp": time.Now().Add(-time.Minute).Unix(), "iat": time.Now().Add(-time.Hour).Unix()})
	}
	// The RSA public key as an HMAC secret (the classic alg confusion).
	rl := s.Realm(realm)
	keys, err := s.Store.ListKeys(ctx(), rl.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Algorithm != signing.RS256 {
			continue
		}
		pub, err := signing.PublicKeyBase64(k)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := base64.StdEncoding.DecodeString(pub)
		for i, secret := range [][]byte{[]byte(pub), der, pemOf(der)} {
			for _, alg := range []string{"HS256", "HS512"} {
				h := map[string]any{"alg": alg, "typ": "JWT", "kid": k.ID}
				tok := rawJWT(t, h, claims, func(in []byte) []byte {
					m := hmac.New(sha256.New, secret)
					if alg == "HS512" {
						m = hmac.New(sha512.New, secret)
					}
					m.Write(in)
					return m.Sum(nil)
				})
				out[fmt.Sprintf("RSA public key (form %d) as %s secret", i, alg)] = tok
			}
		}
	}
	return out
}

func pemOf(der []byte) []byte {
	b64 := base64.StdEncoding.EncodeToString(der)
	out := "-----BEGIN PUBLIC KEY-----\n"
	for len(b64) > 64 {
		out += b64[:64] + "\n"
		b64 = b64[64:]
	}
	return []byte(out + b64 + "\n-----END PUBLIC KEY-----\n")
}

func splitSig(token string) (string, []byte) {
	for i := len(token) - 1; i >= 0; i-- {
		if token[i] == '.' {
			sig, _ := base64.RawURLEncoding.DecodeString(token[i+1:])
			return token[:i], sig
		}
	}
	return token, nil
}
