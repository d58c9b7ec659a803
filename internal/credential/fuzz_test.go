package credential

import (
	"errors"
	"testing"
)

// Stored credentials come from imports: reading them must never panic, and
// every refusal is ErrMalformed or ErrUnsupported.
func FuzzStored(f *testing.F) {
	for _, v := range fixedVectors {
		f.Add(v.e.SecretData, v.e.CredentialData)
	}
	f.Add(`{"value":"AAAA","salt":"__SALT__","algorithmData":{"a":"b"}}`, `{"hashIterations":"x","algorithm":null}`)
	f.Add(`{"value":null,"salt":null}`, `{"algorithmData":{"type":["d"]},"algorithm":"argon2"}`)
	f.Fuzz(func(t *testing.T, secret, cred string) {
		e := Encoded{SecretData: secret, CredentialData: cred}
		err := Validate(e)
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Validate error %v is neither ErrMalformed nor ErrUnsupported", err)
		}
		_, _, derr := Describe(e)
		if err == nil && derr != nil {
			t.Fatalf("Validate ok but Describe: %v", derr)
		}
		_ = NeedsRehash(e, Params{})
	})
}
