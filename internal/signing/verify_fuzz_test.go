package signing

import (
	"bytes"
	"testing"
)

// FuzzVerify: Verify never panics on any input, and whatever it accepts
// carries the payload a realm key signed: a mutated token cannot smuggle
// in other claims.
func FuzzVerify(f *testing.F) {
	ks, _ := newSet(f, RS256, ES256, EdDSA, HS512)
	payload := []byte(`{"sub":"alice","exp":4102444800,"typ":"Bearer"}`)
	var tokens []string
	for _, alg := range []string{RS256, ES256, EdDSA, HS512} {
		tok, err := ks.Sign(alg, payload)
		if err != nil {
			f.Fatal(err)
		}
		tokens = append(tokens, tok)
		f.Add(tok)
		f.Add(tok[:len(tok)-2])
	}
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.")
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, tok string) {
		got, alg, err := ks.Verify(tok, RS256, ES256, EdDSA, HS512)
		if err != nil {
			return
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("accepted %q with payload %q", tok, got)
		}
		if alg == "none" || alg == "" {
			t.Fatalf("accepted %q with alg %q", tok, alg)
		}
	})
}
