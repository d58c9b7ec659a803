package testenv

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
)

// JWT helpers for tests that need tokens the server would never issue:
// re-signed with changed claims, or forged in the ways an attacker would.

// realmKeys is the realm's own key set, read from the store: tests sign
// tokens with it to build ones the server would never issue (expired,
// of another type) but that carry a valid signature.
func realmKeys(t testing.TB, s *Server, realm string) *signing.KeySet {
	t.Helper()
	rl := s.Realm(realm)
	keys, err := s.Store.ListKeys(context.Background(), rl.ID)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := signing.NewKeySet(rl.ID, keys)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// Resign signs claims (a token's claims with changes applied) with the
// realm's key for alg.
func Resign(t testing.TB, s *Server, realm, alg string, claims map[string]any, changes map[string]any) string {
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

// RawJWT assembles a compact JWS from a header, claims and a signature
// function of the signing input (nil: an empty signature).
func RawJWT(t testing.TB, header, claims map[string]any, sign func([]byte) []byte) string {
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

// Forgeries of a genuine token: each must be refused wherever a token is
// accepted.
func Forgeries(t testing.TB, s *Server, realm, genuine string) map[string]string {
	t.Helper()
	header, claims := JWTParts(t, genuine)
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
	out["realm kid, other key's signature"] = RawJWT(t, header, claims, func([]byte) []byte { return otherSig })
	// alg none, no signature.
	h := maps.Clone(header)
	h["alg"] = "none"
	out["alg none"] = RawJWT(t, h, claims, nil)
	// Altered payload under the genuine signature.
	altered := maps.Clone(claims)
	altered["preferred_username"] = "mallory"
	altered["exp"] = float64(time.Now().Add(time.Hour).Unix())
	_, sig := splitSig(genuine)
	out["altered payload"] = RawJWT(t, header, altered, func([]byte) []byte { return sig })
	// Expired, genuinely signed.
	if header["alg"] != "HS512" {
		out["expired"] = Resign(t, s, realm, header["alg"].(string), claims,
			map[string]any{"exp": time.Now().Add(-time.Minute).Unix(), "iat": time.Now().Add(-time.Hour).Unix()})
	}
	// The RSA public key as an HMAC secret (the classic alg confusion).
	rl := s.Realm(realm)
	keys, err := s.Store.ListKeys(context.Background(), rl.ID)
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
				tok := RawJWT(t, h, claims, func(in []byte) []byte {
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

// JWTParts decodes a compact JWT's header and claims without verifying.
func JWTParts(t testing.TB, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", token)
	}
	dec := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("JWT part %q: %v", s, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("JWT part %s: %v", b, err)
		}
		return m
	}
	return dec(parts[0]), dec(parts[1])
}

// Claims is a compact JWT's claims, unverified.
func Claims(t testing.TB, token string) map[string]any {
	t.Helper()
	_, c := JWTParts(t, token)
	return c
}
