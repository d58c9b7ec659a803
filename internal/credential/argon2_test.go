package credential

import (
	"encoding/json"
	"testing"
)

func TestArgon2RoundTrip(t *testing.T) {
	e, err := HashArgon2("s3cret-Pass", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	var c CredentialData
	if err := json.Unmarshal([]byte(e.CredentialData), &c); err != nil {
		t.Fatal(err)
	}
	if c.Algorithm != "argon2" || c.HashIterations != 5 || c.AdditionalParameters["memory"][0] != "7168" {
		t.Fatalf("credential data = %+v", c)
	}
	for pw, want := range map[string]bool{"s3cret-Pass": true, "s3cret-pass": false, "": false} {
		ok, err := VerifyArgon2(pw, e)
		if err != nil || ok != want {
			t.Errorf("VerifyArgon2(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

// The example credential from Keycloak exports (reference keycloak-users.md
// 4.3) is parsed and checked without error; its password is not published,
// so only the rejection of a guess is asserted.
func TestArgon2KeycloakExportShape(t *testing.T) {
	e := Encoded{
		SecretData:     `{"value":"BruFLfFkjH/8erZ26NnrbkOrWiZuQyDRCHD9o0R6Scg=","salt":"Cf9AYCE5pAbb4CKEF0GUTA==","additionalParameters":{}}`,
		CredentialData: `{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}}`,
	}
	ok, err := VerifyArgon2("not-the-password", e)
	if err != nil || ok {
		t.Fatalf("got %v, %v", ok, err)
	}
}
