//go:build linux

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/sqlite"
	"github.com/latchkey/latchkey/internal/user"
)

// limit is the per-core cost of one operation that bounds a scenario,
// timed in this process with GOMAXPROCS=1 and one goroutine. Its cost is
// CPU time (user + system, getrusage), like the server's ok per
// CPU-second it is compared with, so that neighbours taking the cores
// inflate neither; wall-clock time is kept alongside.
type limit struct {
	Name    string  `json:"name"`
	Micros  float64 `json:"cpuMicrosPerOp"` // median of the rounds
	MinUs   float64 `json:"minCpuMicros"`
	MaxUs   float64 `json:"maxCpuMicros"`
	WallUs  float64 `json:"wallMicrosPerOp"` // median of the rounds
	PerCore float64 `json:"perSecondPerCore"`
}

// cpuTime is this process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// accessClaims is an access token's claims, the same as internal/oidc's
// BenchmarkSign (about 800 bytes of JSON).
var accessClaims = []byte(`{"exp":1735689900,"iat":1735689600,"auth_time":1735689600,"jti":"onrtro:8a1b3c4d-0000-4000-8000-000000000000",` +
	`"iss":"http://127.0.0.1:8080/realms/demo","aud":"account","sub":"f3b1c6a0-0000-4000-8000-000000000000","typ":"Bearer",` +
	`"azp":"confidential","sid":"5f0c0000-0000-4000-8000-000000000000","acr":"1","allowed-origins":["https://conf.test"],` +
	`"realm_access":{"roles":["default-roles-demo","offline_access","uma_authorization","user"]},` +
	`"resource_access":{"account":{"roles":["manage-account","manage-account-links","view-profile"]}},` +
	`"scope":"openid email profile","email_verified":true,"name":"Alice Liddell","preferred_username":"alice",` +
	`"given_name":"Alice","family_name":"Liddell","email":"alice@example.com"}`)

// Argon2id at the bench realm's parameters: Keycloak 25+'s default, which
// is latchkey's (m=7168 KiB, t=5, p=1, 32-byte hash).
const argonTime, argonMemKiB, argonThreads, argonLen = 5, 7168, 1, 32

// OWASP's argon2id recommendation (m=19 MiB, t=2, p=1), which the issue's
// peer figures use; the report's OWASP server runs with them.
const owaspTime, owaspMemKiB = 2, 19456

// owaspArgs are the server options for OWASP's parameters.
var owaspArgs = []string{"--argon2-memory", "19456", "--argon2-iterations", "2", "--argon2-parallelism", "1"}

// measureLimits times each limiting operation in rounds of roundTime.
func measureLimits(dir string, rounds int, roundTime time.Duration) ([]limit, error) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	ops := []struct {
		name string
		op   func() (func() error, error)
	}{
		{"argon2id m=7168 KiB t=5 p=1 (one hash)", func() (func() error, error) {
			salt := []byte("0123456789abcdef")
			return func() error {
				argon2.IDKey([]byte("Bench-password-1"), salt, argonTime, argonMemKiB, argonThreads, argonLen)
				return nil
			}, nil
		}},
		{"argon2id m=19456 KiB t=2 p=1 (one hash, OWASP's parameters)", func() (func() error, error) {
			salt := []byte("0123456789abcdef")
			return func() error {
				argon2.IDKey([]byte("Bench-password-1"), salt, owaspTime, owaspMemKiB, argonThreads, argonLen)
				return nil
			}, nil
		}},
		{"SQLite insert: user + credential + default role through the store (one transaction)", func() (func() error, error) {
			return storeInsert(filepath.Join(dir, "limits.db"))
		}},
		{"RS256 sign", func() (func() error, error) { return signOp("RS256") }},
		{"ES256 sign", func() (func() error, error) { return signOp("ES256") }},
		{"EdDSA sign", func() (func() error, error) { return signOp("EdDSA") }},
		{"HS512 sign", func() (func() error, error) { return signOp("HS512") }},
		{"RS256 verify", func() (func() error, error) { return verifyOp("RS256") }},
		{"HS512 verify", func() (func() error, error) { return verifyOp("HS512") }},
	}
	var out []limit
	for _, o := range ops {
		f, err := o.op()
		if err != nil {
			return nil, fmt.Errorf("limit %s: %w", o.name, err)
		}
		var per, wall []float64
		for r := 0; r < rounds; r++ {
			n, start, cpu0 := 0, time.Now(), cpuTime()
			for time.Since(start) < roundTime || n < 3 {
				if err := f(); err != nil {
					return nil, fmt.Errorf("limit %s: %w", o.name, err)
				}
				n++
			}
			per = append(per, float64((cpuTime()-cpu0).Nanoseconds())/1e3/float64(n))
			wall = append(wall, float64(time.Since(start).Nanoseconds())/1e3/float64(n))
		}
		slices.Sort(per)
		med := per[len(per)/2]
		out = append(out, limit{Name: o.name, Micros: med, MinUs: per[0], MaxUs: per[len(per)-1], WallUs: median(wall), PerCore: 1e6 / med})
		fmt.Printf("limit %-66s %10.1f µs CPU %10.1f µs wall %10.1f/s per core\n", o.name, med, median(wall), 1e6/med)
	}
	return out, nil
}

func keySet(alg string) (*signing.KeySet, error) {
	k, err := signing.NewKey("r", "bench", alg, time.Now())
	if err != nil {
		return nil, err
	}
	return signing.NewKeySet("r", []model.SigningKey{k})
}

func signOp(alg string) (func() error, error) {
	ks, err := keySet(alg)
	if err != nil {
		return nil, err
	}
	return func() error { _, err := ks.Sign(alg, accessClaims); return err }, nil
}

func verifyOp(alg string) (func() error, error) {
	ks, err := keySet(alg)
	if err != nil {
		return nil, err
	}
	tok, err := ks.Sign(alg, accessClaims)
	if err != nil {
		return nil, err
	}
	return func() error { _, _, err := ks.Verify(tok, alg); return err }, nil
}

// storeInsert opens latchkey's own SQLite store (its schema, pragmas and
// single writer) and inserts one user with its password credential and
// the realm's default role per transaction, through user.Insert: the
// store work of a registration, without the hash.
func storeInsert(path string) (func() error, error) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	realm := &model.Realm{Name: "limits", Enabled: true}
	if err := st.CreateRealm(ctx, realm); err != nil {
		return nil, err
	}
	role := &model.Role{RealmID: realm.ID, Name: "default-roles-limits"}
	if err := st.CreateRole(ctx, role); err != nil {
		return nil, err
	}
	realm.DefaultRoleID = role.ID
	n := 0
	return func() error {
		n++
		u := &model.User{Username: fmt.Sprintf("user%d", n), Email: fmt.Sprintf("user%d@bench.test", n),
			FirstName: "Bench", LastName: "User", Enabled: true}
		cred := model.Credential{Type: "password",
			SecretData:     `{"value":"2ZsbnSs1RAMgpfOE1QTYsWhr0jtz/B8kN6mF0+ua6zk=","salt":"MDEyMzQ1Njc4OWFiY2RlZg==","additionalParameters":{}}`,
			CredentialData: `{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"],"type":["id"],"version":["1.3"],"parallelism":["1"]}}`}
		return st.InTx(ctx, func(tx store.Store) error {
			return user.Insert(ctx, tx, realm, u, []model.Credential{cred}, nil)
		})
	}, nil
}
