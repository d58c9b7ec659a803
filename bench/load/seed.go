//go:build linux

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/internal/credential"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/postgres"
	"github.com/latchkey/latchkey/internal/store/sqlite"
	"github.com/latchkey/latchkey/internal/user"
)

// seedBatch is how many users one seeding transaction inserts.
const seedBatch = 5000

// Seeded names: ASCII, so usernames and e-mail addresses are what they
// look like; 64 × 64 name pairs make prefixes like "maria.schmidt"
// match about 1 in 4,096 users.
var (
	seedFirst = []string{"james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david",
		"elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles",
		"karen", "daniel", "nancy", "matthew", "betty", "anthony", "margaret", "mark", "sandra", "donald", "ashley",
		"steven", "emily", "maria", "martin", "max", "marta", "mateo", "juergen", "soeren", "zoe", "jose", "lukasz",
		"anna", "lukas", "sofia", "leon", "emma", "noah", "mia", "elias", "hannah", "felix", "lea", "jonas", "aiko",
		"hiroshi", "yuki", "wei", "fang", "arjun", "priya", "omar", "fatima", "ivan"}
	seedLast = []string{"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
		"martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "taylor", "moore", "jackson", "lee",
		"perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson", "walker",
		"young", "allen", "king", "mueller", "schmidt", "schneider", "fischer", "weber", "meyer", "wagner",
		"becker", "dubois", "moreau", "rossi", "russo", "ferrari", "kowalski", "nowak", "jensen", "nielsen",
		"hansen", "sato", "suzuki", "tanaka", "wang", "zhang", "chen", "kim", "park", "patel", "sharma", "silva",
		"santos", "ivanov", "okafor"}
	seedDomains = []string{"example.com", "mail.example.org", "corp.example.net", "example.de", "post.example.fr"}
)

// seedPerson is the i-th seeded user. It depends on i alone, so the load
// generator derives its search terms from an index instead of keeping a
// million names, and two runs seed the same realm.
type seedPerson struct {
	Username, Email, First, Last string
}

// mix is splitmix64's finaliser: a well-spread hash of i.
func mix(i uint64) uint64 {
	i += 0x9e3779b97f4a7c15
	i = (i ^ (i >> 30)) * 0xbf58476d1ce4e5b9
	i = (i ^ (i >> 27)) * 0x94d049bb133111eb
	return i ^ (i >> 31)
}

func seedPersonAt(i int) seedPerson {
	h := mix(uint64(i))
	f, l := seedFirst[h%uint64(len(seedFirst))], seedLast[(h>>16)%uint64(len(seedLast))]
	d := seedDomains[(h>>32)%uint64(len(seedDomains))]
	name := fmt.Sprintf("%s.%s%d", f, l, i)
	return seedPerson{Username: name, Email: name + "@" + d, First: f, Last: l}
}

// seedCredential hashes password once, at Keycloak's default argon2id
// parameters (the bench realm's), for every seeded user: a million
// hashes would take hours of CPU and measure nothing the report needs.
func seedCredential(password string) (model.Credential, error) {
	e, err := credential.HashArgon2(password, credential.DefaultArgon2)
	if err != nil {
		return model.Credential{}, err
	}
	return model.Credential{Type: model.CredentialPassword, SecretData: e.SecretData,
		CredentialData: e.CredentialData, Priority: 10}, nil
}

// seedUsers adds the seeded users from (inclusive) to to (exclusive) to
// the realm through the store, as registration would write them
// (user.Insert: the user, a password credential of cred, the realm's
// default role and groups), seedBatch users per transaction.
func seedUsers(ctx context.Context, st store.Store, realmName string, from, to int, cred model.Credential) error {
	realm, err := st.GetRealmByName(ctx, realmName)
	if err != nil {
		return fmt.Errorf("seeding: realm %s: %w", realmName, err)
	}
	now := time.Now().UTC()
	for lo := from; lo < to; lo += seedBatch {
		hi := min(lo+seedBatch, to)
		err := st.InTx(ctx, func(tx store.Store) error {
			for i := lo; i < hi; i++ {
				p := seedPersonAt(i)
				u := &model.User{Username: p.Username, Email: p.Email, FirstName: p.First, LastName: p.Last,
					Enabled: true, EmailVerified: true, CreatedAt: now}
				c := cred
				c.CreatedAt = now
				if err := user.Insert(ctx, tx, realm, u, []model.Credential{c}, nil); err != nil {
					return fmt.Errorf("%s: %w", p.Username, err)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seeding %s: %w", realmName, err)
		}
	}
	return nil
}

// openStore opens latchkey's own store the way the server does: SQLite
// in dataDir, or PostgreSQL at dbURL when it is not empty.
func openStore(ctx context.Context, dataDir, dbURL string) (store.Store, error) {
	if dbURL != "" {
		return postgres.Open(ctx, dbURL)
	}
	return sqlite.Open(ctx, dataDir+"/latchkey.db")
}

// seedInto opens the store of a stopped server and seeds users [from, to)
// into realm, returning how long it took.
func seedInto(ctx context.Context, dataDir, dbURL, realm string, from, to int, cred model.Credential) (time.Duration, error) {
	st, err := openStore(ctx, dataDir, dbURL)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	err = seedUsers(ctx, st, realm, from, to, cred)
	took := time.Since(start)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return took, err
}
