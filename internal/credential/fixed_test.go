package credential

import (
	"context"
	"testing"
)

// Published credentials whose password is known. Each was checked against
// its plaintext when added; none was produced by this package.
var fixedVectors = []struct {
	name, source, password string
	e                      Encoded
}{
	{
		name: "argon2id, Keycloak 25 export",
		// reference/keycloak-users.md 4.3: the argon2 example "as seen
		// verbatim in public exports" (a realm imported into Keycloak 25.0.5
		// in a public solo.io Gloo workshop). Its user's password is "password".
		source:   "reference keycloak-users.md 4.3",
		password: "password",
		e: Encoded{
			SecretData:     `{"value":"BruFLfFkjH/8erZ26NnrbkOrWiZuQyDRCHD9o0R6Scg=","salt":"Cf9AYCE5pAbb4CKEF0GUTA==","additionalParameters":{}}`,
			CredentialData: `{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}}`,
		},
	},
	{
		name: "pbkdf2-sha256 27500, 512-bit key (Keycloak <= 20)",
		// JHipster's Keycloak demo realm, user "user" with password "user"
		// (createdDate 1505479392766), as reproduced in public Keycloak
		// database dumps and user templates.
		source:   "JHipster demo realm",
		password: "user",
		e: Encoded{
			SecretData:     `{"value":"MbKsMgWPnZyImih8s4SaoCSCq+XIY/c6S9F93sXEidHF1TjPWxCqMkec0+o3860CMLXHt3az61cIJOWI0FW9aw==","salt":"fmpBI1r8R1u75hDLMUlwBw=="}`,
			CredentialData: `{"hashIterations":27500,"algorithm":"pbkdf2-sha256"}`,
		},
	},
	{
		name: "legacy hashedSaltedValue, admin-user",
		// keycloak/keycloak-quickstarts examples-realm.json (Apache-2.0), our
		// fixture internal/kcrep/testdata/examples-realm.json: a Keycloak 1.x
		// export without an algorithm; the quickstarts' users log in with
		// "password". PBKDF2-HMAC-SHA1, 1 iteration, 64-byte key.
		source:   "keycloak-quickstarts examples-realm.json",
		password: "password",
		e:        mustLegacy("nP2DTe9zXzvuzn4deQhmEqA7eKNs14tdMSaZgfdCHBmWm7mX5DHK/7C6rXjx7BZnE3uzDXKDjZsb2eQFixw9QA==", "uP98vzC7rZadMl1oB1YESg==", 1),
	},
	{
		name:     "legacy hashedSaltedValue, secure-user",
		source:   "keycloak-quickstarts examples-realm.json",
		password: "password",
		e:        mustLegacy("Fu+o7j8wZZE4XyR6hRxAX0v3GM8Lzrt4bHVjSCpY86o/RP5tAhBMZsLEM8iZ97eOazKTzdofj2v8qnjpOIldJg==", "306EQU1PC5oVl/+j9XAqrg==", 1),
	},
	{
		name: "pbkdf2 (SHA-1), RFC 6070 test vector 1",
		// RFC 6070 section 2: P = "password", S = "salt", c = 1, dkLen = 20,
		// DK = 0c60c80f 961f0e71 f3a9b524 af601206 2fe037a6, in Keycloak's
		// model (keyLen = decoded value length).
		source:   "RFC 6070",
		password: "password",
		e: Encoded{
			SecretData:     `{"value":"DGDID5YfDnHzqbUkr2ASBi/gN6Y=","salt":"c2FsdA==","additionalParameters":{}}`,
			CredentialData: `{"hashIterations":1,"algorithm":"pbkdf2","additionalParameters":{}}`,
		},
	},
	{
		name: "bcrypt $2y$, PHP manual",
		// php.net password_verify example: "rasmuslerdorf".
		source:   "PHP manual, password_verify",
		password: "rasmuslerdorf",
		e: Encoded{
			SecretData:     `{"value":"$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a","salt":"","additionalParameters":{}}`,
			CredentialData: `{"hashIterations":10,"algorithm":"bcrypt","additionalParameters":{}}`,
		},
	},
}

func mustLegacy(value, salt string, iterations int) Encoded {
	e, err := EncodeLegacy(value, salt, "", iterations)
	if err != nil {
		panic(err)
	}
	return e
}

func TestFixedVectors(t *testing.T) {
	h := NewHasher(0, nil)
	for _, v := range fixedVectors {
		t.Run(v.name, func(t *testing.T) {
			ok, err := h.Verify(context.Background(), v.password, v.e)
			if !ok || err != nil {
				t.Fatalf("right password (%s): %v, %v", v.source, ok, err)
			}
			ok, err = h.Verify(context.Background(), v.password+"x", v.e)
			if ok || err != nil {
				t.Fatalf("wrong password: %v, %v", ok, err)
			}
		})
	}
}
