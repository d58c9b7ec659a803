package adminsearch

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

var (
	flagUsers = flag.Int("adminsearch.users", 100_000, "users seeded into the searched realm")
	flagPlans = flag.String("adminsearch.plans", "", "directory to write the SQL and query plans of each case to")
)

const (
	benchRealm      = "bench"
	otherRealm      = "other"
	otherUsers      = 5_000 // same name generator: many usernames exist in both realms
	serviceAccounts = 50
	seedBatch       = 10_000 // users per transaction
	adminClientID   = "admin-cli"
)

// BenchmarkAdminSearch seeds a realm of -adminsearch.users users (and a
// smaller realm next to it) on each backend, then measures each admin
// request with one client on loopback, one request at a time. Besides
// ns/op it reports p50 and p99 latency (µs) over the timed requests and
// the number of users the request returned or counted (rows).
func BenchmarkAdminSearch(b *testing.B) {
	b.Run("db=sqlite", func(b *testing.B) {
		dir := b.TempDir()
		at := func(c *config.Config) { c.DataDir = dir }
		path := filepath.Join(dir, "latchkey.db")
		s := testenv.NewServer(b, at)
		d := seed(b, s, "sqlite")
		// First as the server that was running while the users came in:
		// its connections planned with the statistics of an empty
		// database (none). Then as a server started on the full database,
		// whose sqlite.Open ran PRAGMA optimize.
		runCases(b, "sqlite", "stats=none", s, path, d)
		if err := s.App.Close(); err != nil {
			b.Fatal(err)
		}
		s = testenv.NewServer(b, at)
		var stat string
		if err := writer(b, s).QueryRow(`SELECT group_concat(idx || ': ' || stat, '; ') FROM sqlite_stat1 WHERE tbl = 'users'`).Scan(&stat); err != nil {
			b.Fatal(err)
		}
		b.Logf("sqlite_stat1 for users after the restart: %s", stat)
		runCases(b, "sqlite", "stats=restart", s, path, d)
	})
	b.Run("db=postgres", func(b *testing.B) {
		var dbURL string
		s := testenv.NewServer(b, testenv.OnPostgres(b), func(c *config.Config) { dbURL = c.DBURL })
		d := seed(b, s, "postgres")
		// What autovacuum does after this many inserts (statistics, and
		// the GIN indexes' pending lists merged), done now rather than
		// waited for.
		if _, err := writer(b, s).Exec(`VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
		runCases(b, "postgres", "stats=analyzed", s, dbURL, d)
	})
}

// benchCase is one admin request; path is relative to /admin/realms/bench.
type benchCase struct {
	name, path string
}

func cases(d *dataset) []benchCase {
	k := d.users[len(d.users)*7/9] // some user in the middle of the realm
	m := k                         // and the next one with an e-mail address
	for i := len(d.users) * 7 / 9; m.email == "" && i < len(d.users); i++ {
		m = d.users[i]
	}
	return []benchCase{
		{"list/first-page", "/users?max=20"},
		{"list/deep-page", fmt.Sprintf("/users?first=%d&max=20", len(d.users)/2)},
		{"search/prefix-few", "/users?max=20&search=" + url.QueryEscape(k.first+"."+k.last)},
		{"search/prefix-many", "/users?max=20&search=ma"},
		{"search/infix", "/users?max=20&search=" + url.QueryEscape("*"+k.username[2:len(k.username)-1]+"*")},
		// Found through the trigram indexes only when selective: a term
		// matching most users is found sooner by walking the realm in
		// username order, and two characters have no trigram.
		{"search/infix-common", "/users?max=20&search=" + url.QueryEscape("*example*")},
		{"search/infix-short", "/users?max=20&search=" + url.QueryEscape("*"+k.username[len(k.username)-2:]+"*")},
		// Keycloak's field filters match substrings unless exact=true.
		{"username-infix", "/users?max=20&username=" + url.QueryEscape(k.username[3:len(k.username)-1])},
		{"email-infix", "/users?max=20&email=" + url.QueryEscape(m.email[1:min(len(m.email), 14)])},
		{"lastName-infix", "/users?max=20&lastName=" + url.QueryEscape(string([]rune(k.last)[1:]))},
		{"username-exact", "/users?exact=true&username=" + url.QueryEscape(k.username)},
		{"email-exact", "/users?exact=true&email=" + url.QueryEscape(k.email)},
		{"q-attr-unique", "/users?max=20&q=" + url.QueryEscape("employeeNumber:"+k.employee)},
		{"q-attr-common", "/users?max=20&q=" + url.QueryEscape("department:engineering")},
		{"count/all", "/users/count"},
		{"count/search-many", "/users/count?search=ma"},
		{"count/infix", "/users/count?search=" + url.QueryEscape("*"+k.username[2:len(k.username)-1]+"*")},
	}
}

// runCases measures every case on s as a sub-benchmark named state; dsn
// is the SQLite file or PostgreSQL URL, for the plans.
func runCases(b *testing.B, db, state string, s *testenv.Server, dsn string, d *dataset) {
	b.Run(state, func(b *testing.B) {
		tok := &adminToken{s: s}
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
		defer c.CloseIdleConnections()
		if *flagPlans != "" {
			writePlans(b, db+"-"+strings.TrimPrefix(state, "stats="), dsn, s, d.realm.ID, tok.get(b), cases(d))
		}
		for _, bc := range cases(d) {
			b.Run(bc.name, func(b *testing.B) {
				u := s.URL + "/admin/realms/" + benchRealm + bc.path
				rows := get(b, c, u, tok.get(b), d) // warm-up, and checks the answer
				lat := make([]time.Duration, 0, 1024)
				b.ResetTimer()
				for b.Loop() {
					t := tok.get(b)
					t0 := time.Now()
					get(b, c, u, t, nil)
					lat = append(lat, time.Since(t0))
				}
				b.StopTimer()
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds()), "p99-µs")
				b.ReportMetric(float64(rows), "rows")
			})
		}
	})
}

// get sends one admin GET, fails unless it is 200, and returns the number
// of users in the answer (the number itself for /count). With d, it also
// checks that every user listed belongs to the benchmarked realm.
func get(b *testing.B, c *http.Client, u, tok string, d *dataset) int {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %s", u, res.StatusCode, body)
	}
	if d == nil {
		return 0
	}
	if strings.Contains(u, "/users/count") {
		var n int
		if err := json.Unmarshal(body, &n); err != nil {
			b.Fatalf("GET %s: %s: %v", u, body, err)
		}
		return n
	}
	var users []struct {
		ID                     string `json:"id"`
		ServiceAccountClientID string `json:"serviceAccountClientId"`
	}
	if err := json.Unmarshal(body, &users); err != nil {
		b.Fatalf("GET %s: %s: %v", u, body, err)
	}
	if len(users) == 0 {
		b.Fatalf("GET %s: no users", u)
	}
	for _, x := range users {
		if !d.ids[x.ID] {
			b.Fatalf("GET %s: user %s is not a person of realm %s", u, x.ID, benchRealm)
		}
	}
	return len(users)
}

// adminToken is the bootstrap admin's master token from admin-cli,
// fetched again (outside the timed part) before it expires.
type adminToken struct {
	s    *testenv.Server
	tok  string
	when time.Time
}

func (a *adminToken) get(b *testing.B) string {
	if a.tok != "" && time.Since(a.when) < 30*time.Second {
		return a.tok
	}
	b.StopTimer()
	defer b.StartTimer()
	res, err := http.PostForm(a.s.URL+"/realms/master/protocol/openid-connect/token", url.Values{
		"grant_type": {"password"}, "client_id": {adminClientID},
		"username": {testenv.AdminUser}, "password": {testenv.AdminPassword}})
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil {
		b.Fatalf("admin token: %d %s", res.StatusCode, raw)
	}
	a.tok, a.when = out.AccessToken, time.Now()
	return a.tok
}

// person is one seeded user, kept to pick search terms from.
type person struct {
	username, email, first, last, employee string
}

type dataset struct {
	realm *model.Realm
	users []person
	ids   map[string]bool // ids of the benchmarked realm's people
}

// seed creates the two realms (the benchmarked one with 50 clients that
// have service accounts) and their users, through the store in
// transactions of seedBatch users.
func seed(b *testing.B, s *testenv.Server, db string) *dataset {
	start := time.Now()
	var clients []string
	for i := range serviceAccounts {
		clients = append(clients, fmt.Sprintf(`{"clientId":"svc-%02d","publicClient":false,"secret":"s3cret-%02d","serviceAccountsEnabled":true}`, i, i))
	}
	s.ImportRealm(`{"realm":"` + benchRealm + `","enabled":true,"clients":[` + strings.Join(clients, ",") + `]}`)
	s.ImportRealm(`{"realm":"` + otherRealm + `","enabled":true}`)
	d := &dataset{realm: s.Realm(benchRealm), ids: map[string]bool{}}
	d.users = seedRealm(b, s, d.realm, *flagUsers, rand.New(rand.NewPCG(1, 1)), d.ids)
	seedRealm(b, s, s.Realm(otherRealm), otherUsers, rand.New(rand.NewPCG(2, 2)), nil)
	b.Logf("%s: seeded %d + %d users and %d service accounts in %v", db, len(d.users), otherUsers,
		serviceAccounts, time.Since(start).Round(time.Millisecond))
	return d
}

var (
	firstNames = strings.Fields(`James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth
		William Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel
		Nancy Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew
		Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy Stephanie
		Maria Martin Max Marta Mateo Mathilde Jürgen Sören Zoë Chloé José Łukasz Anna Lukas Sofia Leon
		Emma Noah Mia Elias Hannah Felix Lea Jonas Lina Paul Ella Luca Clara Ben Ida Finn Marie Aiko Hiroshi
		Yuki Wei Fang Arjun Priya Omar Fatima Ivan Olga Pedro Ana Lucas Julia Mohammed Aisha Kwame Ama`)
	lastNames = strings.Fields(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
		Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White
		Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill
		Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Müller Schmidt Schneider
		Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf Schröder Neumann Schwarz
		Zimmermann Braun Krüger Hofmann Hartmann Lange Dubois Martin Bernard Moreau Laurent Lefèvre Rossi
		Russo Ferrari Esposito Bianchi Romano Colombo Kowalski Nowak Wiśniewski Novak Horvat Jensen Nielsen
		Hansen Andersen Larsen Johansson Karlsson Nilsson Eriksson Sato Suzuki Takahashi Tanaka Watanabe
		Wang Li Zhang Liu Chen Yang Huang Kim Park Choi Patel Sharma Singh Kumar Gupta Silva Santos Oliveira
		Souza Pereira Costa Ivanov Smirnov Kuznetsov Popov Okafor Mensah Mwangi Haddad Khalil Cohen Levi`)
	domains     = []string{"example.com", "mail.example.org", "corp.example.net", "example.de", "post.example.fr"}
	departments = []string{"engineering", "sales", "support", "marketing", "finance", "operations", "legal", "hr"}
	locales     = []string{"en", "de", "fr", "es", "pt-BR", "ja"}
)

// asciiFold keeps usernames ASCII, as most directories do (names keep
// their accents).
var asciiFold = strings.NewReplacer("ü", "ue", "ö", "oe", "ë", "e", "é", "e", "è", "e", "ł", "l", "ś", "s", "ó", "o")

// seedRealm creates n people in r. Usernames are first.last plus the
// user's number ("maria.schmidt4711"); about 90 % have an e-mail address
// (first.last@domain or initial+last, plus the number); every user has a
// department, an employee number and a locale.
func seedRealm(b *testing.B, s *testenv.Server, r *model.Realm, n int, rng *rand.Rand, ids map[string]bool) []person {
	ctx := context.Background()
	out := make([]person, 0, n)
	created := time.Now().Add(-time.Duration(n) * time.Minute)
	for lo := 0; lo < n; lo += seedBatch {
		hi := min(lo+seedBatch, n)
		batch := make([]model.User, 0, hi-lo)
		for i := lo; i < hi; i++ {
			f, l := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
			lf, ll := asciiFold.Replace(strings.ToLower(f)), asciiFold.Replace(strings.ToLower(l))
			p := person{username: fmt.Sprintf("%s.%s%d", lf, ll, i), first: strings.ToLower(f), last: strings.ToLower(l),
				employee: fmt.Sprintf("E%06d", i)}
			switch x := rng.IntN(10); {
			case x < 6:
				p.email = fmt.Sprintf("%s.%s%d@%s", lf, ll, i, domains[rng.IntN(len(domains))])
			case x < 9:
				p.email = fmt.Sprintf("%c%s%d@%s", lf[0], ll, i, domains[rng.IntN(len(domains))])
			}
			out = append(out, p)
			batch = append(batch, model.User{
				RealmID: r.ID, Username: p.username, Email: p.email, FirstName: f, LastName: l,
				Enabled: true, EmailVerified: p.email != "" && rng.IntN(4) > 0,
				CreatedAt: created.Add(time.Duration(i) * time.Minute),
				Attributes: map[string][]string{
					"department":     {departments[min(len(departments)-1, int(rng.ExpFloat64()*2))]},
					"employeeNumber": {p.employee},
					"locale":         {locales[rng.IntN(len(locales))]},
				},
			})
		}
		err := s.Store.InTx(ctx, func(tx store.Store) error {
			for i := range batch {
				if err := tx.CreateUser(ctx, &batch[i], !r.DuplicateEmailsAllowed); err != nil {
					return fmt.Errorf("%s: %w", batch[i].Username, err)
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("seeding %s: %v", r.Name, err)
		}
		if ids != nil {
			for i := range batch {
				ids[batch[i].ID] = true
			}
		}
	}
	return out
}

// writer is the store's transaction pool, for ANALYZE.
// The server's store is wrapped (cache, sealing): unwrap to the SQL store.
func writer(b *testing.B, s *testenv.Server) *sql.DB {
	st := s.Store
	for {
		if w, ok := st.(interface{ Writer() *sql.DB }); ok {
			return w.Writer()
		}
		u, ok := st.(interface{ Unwrap() store.Store })
		if !ok {
			b.Fatalf("store %T has no Writer", st)
		}
		st = u.Unwrap()
	}
}
