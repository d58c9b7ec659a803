package export_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/export"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/realmimport"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// Real Keycloak exports (keycloak/keycloak-quickstarts, Apache-2.0; see
// ../realmimport/testdata/SOURCES.md) import with the CLI, a directory
// export with its users files included, and their users log in.
func TestKeycloakExportsImport(t *testing.T) {
	eachBackend(t, func(t *testing.T, newDB func(t *testing.T) db) {
		var d db
		for _, c := range []struct{ flag, path string }{
			{"--file", "../realmimport/testdata/spa/realm-import.json"},
			{"--file", "../realmimport/testdata/authz/realm-import.json"},
			{"--file", "../kcrep/testdata/examples-realm.json"},
			{"--dir", "../realmimport/testdata/export-dir"},
		} {
			d = newDB(t)
			stderr := mustRun(t, withArgs(d, "import", c.flag, c.path, "--batch-size", "1",
				"--bootstrap-admin-password", "pw")...)
			if !strings.Contains(stderr, "import done: 1 realms imported") {
				t.Errorf("%s:\n%s", c.path, stderr)
			}
		}
		srv := testenv.NewServer(t, d.opt)
		ctx := context.Background()
		r := srv.Realm("realm-b")
		for _, name := range []string{"jdoe", "kolo", "argon-user", "service-account-realm-b-client"} {
			if _, err := srv.Store.GetUserByUsername(ctx, r.ID, name); err != nil {
				t.Errorf("realm-b user %s: %v", name, err)
			}
		}
		claims, status, body := tokenClaims(t, srv.URL, "realm-b", formValues("password", "admin-cli", "jdoe", "jdoe"))
		if status != 200 {
			t.Fatalf("jdoe cannot log in: %d %s", status, body)
		}
		if rs := roles(claims); !contains(rs, "user") {
			t.Errorf("jdoe's roles %q", rs)
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// bigExport writes a realm and two users files of n users each; dup makes
// the last user of the second file repeat the first user's username.
func bigExport(t *testing.T, n int, dup bool) string {
	dir := t.TempDir()
	writeJSON(t, dir, "big-realm.json", `{"realm":"big","enabled":true,"roles":{"realm":[{"name":"member"}]},
		"clients":[{"clientId":"app","publicClient":true}]}`)
	writeJSON(t, dir, "big-users-0.json", map[string]any{"realm": "big", "users": plainUsers("user", 0, n)})
	second := plainUsers("user", n, n)
	if dup {
		second[n-1]["username"] = "USER-000"
	}
	writeJSON(t, dir, "big-users-1.json", map[string]any{"realm": "big", "users": second})
	return dir
}

func newRealmService(t *testing.T, st store.Store) *realm.Service {
	svc := &realm.Service{Store: st, Log: testenv.Logger(t), Passwords: testenv.Passwords(t, st)}
	if _, err := svc.EnsureMaster(context.Background(), "admin", "admin-pw"); err != nil {
		t.Fatal(err)
	}
	return svc
}

// Users are written in batches, each committed on its own; a batch that
// fails late (a duplicate username in the second file) makes the import
// remove the realm it created, so nothing of it is left.
func TestImportBatchesAndCompensation(t *testing.T) {
	testenv.EachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		svc := newRealmService(t, st)

		p := export.NewProgress(nil)
		sums, err := export.Import(ctx, svc, bigExport(t, 12, false), export.ImportOptions{BatchSize: 5, Progress: p})
		if err != nil {
			t.Fatal(err)
		}
		if len(sums) != 1 || sums[0].Action != export.Created || sums[0].Users != 24 || p.Done() != 24 {
			t.Fatalf("summary %+v, progress %d", sums, p.Done())
		}
		r, err := st.GetRealmByName(ctx, "big")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := st.CountUsers(ctx, r.ID, store.UserQuery{}); n != 24 {
			t.Errorf("%d users, want 24", n)
		}
		if err := svc.Delete(ctx, "big"); err != nil {
			t.Fatal(err)
		}

		// 12 + 12 users in batches of 5: batches 1-4 (20 users) commit,
		// the fifth holds the duplicate.
		p = export.NewProgress(nil)
		_, err = export.Import(ctx, svc, bigExport(t, 12, true), export.ImportOptions{BatchSize: 5, Progress: p})
		if err == nil {
			t.Fatal("a duplicate username imported")
		}
		for _, want := range []string{"big-users-1.json: users[11]", "USER-000", "removed again"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q: %v", want, err)
			}
		}
		if p.Done() != 20 {
			t.Errorf("%d users were committed before the failing batch, want 20", p.Done())
		}
		if _, err := st.GetRealmByName(ctx, "big"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("realm big is left behind: %v", err)
		}
		master, _ := st.GetRealmByName(ctx, realm.MasterRealm)
		if _, err := st.GetClientByClientID(ctx, master.ID, "big-realm"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("master's big-realm client is left behind: %v", err)
		}
	})
}

// The same failure through the command line: exit 1, the location of the
// problem, and no realm.
func TestImportCLIFailureLeavesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, newDB func(t *testing.T) db) {
		d := newDB(t)
		code, stderr := latchkey(t, withArgs(d, "import", "--dir", bigExport(t, 3, true), "--batch-size", "2",
			"--bootstrap-admin-password", "pw")...)
		if code != 1 || !strings.Contains(stderr, "big-users-1.json") || !strings.Contains(stderr, "import failed") {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		srv := testenv.NewServer(t, d.opt)
		if _, err := srv.Store.GetRealmByName(context.Background(), "big"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("realm big is left behind: %v", err)
		}
	})
}

// A file that is not a valid export stops the import before anything is
// written, naming the file and the place.
func TestImportChecksFilesFirst(t *testing.T) {
	dir := bigExport(t, 3, false)
	writeJSON(t, dir, "big-users-2.json", `{"realm":"big","users":[{"username":"x","enabled":"yes"}]}`)
	d := sqliteDB(t)
	code, stderr := latchkey(t, withArgs(d, "import", "--dir", dir, "--bootstrap-admin-password", "pw")...)
	if code != 1 || !strings.Contains(stderr, "big-users-2.json: users[0].enabled: expected true or false") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	writeJSON(t, dir, "big-users-2.json", `{"realm":"big","users":[{"username":"x",}]}`)
	code, stderr = latchkey(t, withArgs(d, "import", "--dir", dir)...)
	if code != 1 || !strings.Contains(stderr, "big-users-2.json:1:") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	os.Remove(filepath.Join(dir, "big-users-2.json"))
	writeJSON(t, dir, "big-users-2.json", `{"realm":"big","users":[{"username":"x","clientRoles":{"nope":["r"]}}]}`)
	code, stderr = latchkey(t, withArgs(d, "import", "--dir", dir)...)
	if code != 1 || !strings.Contains(stderr, `client "nope"`) {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	srv := testenv.NewServer(t, d.opt)
	if _, err := srv.Store.GetRealmByName(context.Background(), "big"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("realm big was written: %v", err)
	}
}

// An existing realm is skipped unless --override true, which replaces it.
func TestImportOverride(t *testing.T) {
	eachBackend(t, func(t *testing.T, newDB func(t *testing.T) db) {
		d := newDB(t)
		dir := bigExport(t, 2, false)
		mustRun(t, withArgs(d, "import", "--dir", dir, "--bootstrap-admin-password", "pw")...)
		// The server only inspects the database between imports, which run
		// in other processes while it is open; docs/import-export.md asks
		// for servers to be stopped during an import, and a server's cache
		// would not see it on SQLite. So this one runs without a cache.
		srv := testenv.NewServer(t, d.opt, func(c *config.Config) { c.CacheTTL = 0 })
		ctx := context.Background()
		r := srv.Realm("big")
		u, _ := srv.Store.GetUserByUsername(ctx, r.ID, "user-000")
		if err := srv.Store.DeleteUser(ctx, r.ID, u.ID); err != nil {
			t.Fatal(err)
		}

		stderr := mustRun(t, withArgs(d, "import", "--dir", dir)...)
		if !strings.Contains(stderr, "realm big skipped: realm exists") {
			t.Errorf("without --override:\n%s", stderr)
		}
		if n, _ := srv.Store.CountUsers(ctx, r.ID, store.UserQuery{}); n != 3 {
			t.Errorf("%d users after a skipped import, want 3", n)
		}
		stderr = mustRun(t, withArgs(d, "import", "--dir", dir, "--override", "true")...)
		if !strings.Contains(stderr, "realm big overridden with 4 users") {
			t.Errorf("with --override true:\n%s", stderr)
		}
		r = srv.Realm("big")
		if _, err := srv.Store.GetUserByUsername(ctx, r.ID, "user-000"); err != nil {
			t.Errorf("user-000 not restored: %v", err)
		}
		if code, stderr := latchkey(t, withArgs(d, "import", "--dir", dir, "--override", "maybe")...); code != 2 {
			t.Errorf("--override maybe: exit %d\n%s", code, stderr)
		}
	})
}

// --users different_files with --users-per-file splits users across files
// of at most that many; same_file puts them in one; realm_file in the realm
// file; skip leaves them out. --file without --realm writes every realm in
// an array, which imports back.
func TestExportLayouts(t *testing.T) {
	d := sqliteDB(t)
	mustRun(t, withArgs(d, "import", "--dir", bigExport(t, 4, false), "--bootstrap-admin-password", "pw")...)
	users := func(v any) int {
		us, _ := v.(map[string]any)["users"].([]any)
		return len(us)
	}
	for _, c := range []struct {
		users      string
		files      []int // users per users file
		inRealm    int
		hasUsersKy bool
	}{
		{"different_files", []int{3, 3, 2}, 0, false},
		{"same_file", []int{8}, 0, false},
		{"realm_file", nil, 8, true},
		{"skip", nil, 0, false},
	} {
		dir := t.TempDir()
		// A users file of an earlier export would otherwise be read back.
		writeJSON(t, dir, "big-users-7.json", `{"realm":"big","users":[]}`)
		mustRun(t, withArgs(d, "export", "--dir", dir, "--realm", "big", "--users", c.users, "--users-per-file", "3")...)
		var got []int
		for i := 0; ; i++ {
			p := filepath.Join(dir, fmt.Sprintf("big-users-%d.json", i))
			if _, err := os.Stat(p); err != nil {
				break
			}
			got = append(got, users(readJSON(t, p)))
		}
		if fmt.Sprint(got) != fmt.Sprint(c.files) {
			t.Errorf("%s: users files hold %v, want %v", c.users, got, c.files)
		}
		if _, err := os.Stat(filepath.Join(dir, "big-users-7.json")); err == nil {
			t.Errorf("%s: a stale users file stayed", c.users)
		}
		rf := readJSON(t, filepath.Join(dir, "big-realm.json"))
		if n := users(rf); n != c.inRealm {
			t.Errorf("%s: realm file holds %d users, want %d", c.users, n, c.inRealm)
		}
		if _, ok := rf.(map[string]any)["users"]; ok != c.hasUsersKy {
			t.Errorf("%s: users key present %v", c.users, ok)
		}
		if _, err := realmimport.Scan(dir); err != nil {
			t.Errorf("%s: the export does not read back: %v", c.users, err)
		}
	}

	file := filepath.Join(t.TempDir(), "all.json")
	mustRun(t, withArgs(d, "export", "--file", file)...)
	all, ok := readJSON(t, file).([]any)
	if !ok || len(all) != 2 || all[0].(map[string]any)["realm"] != "big" || all[1].(map[string]any)["realm"] != "master" {
		t.Fatalf("--file without --realm: %v", all)
	}
	if users(all[0]) != 8 {
		t.Errorf("--file: %d users in big, want 8", users(all[0]))
	}
	d2 := sqliteDB(t)
	stderr := mustRun(t, withArgs(d2, "import", "--file", file, "--bootstrap-admin-password", "pw")...)
	if !strings.Contains(stderr, "realm master skipped") || !strings.Contains(stderr, "realm big created with 8 users") {
		t.Errorf("import of an all-realms file:\n%s", stderr)
	}
	one := filepath.Join(t.TempDir(), "big.json")
	mustRun(t, withArgs(d, "export", "--file", one, "--realm", "big")...)
	if v, ok := readJSON(t, one).(map[string]any); !ok || v["realm"] != "big" || users(v) != 8 {
		t.Errorf("--file --realm big: %v", v)
	}
	if code, stderr := latchkey(t, withArgs(d, "export", "--file", one, "--dir", "x")...); code != 2 {
		t.Errorf("--file and --dir: exit %d\n%s", code, stderr)
	}
	if code, stderr := latchkey(t, withArgs(d, "export", "--file", one, "--realm", "nope")...); code != 1 || !strings.Contains(stderr, `realm "nope" not found`) {
		t.Errorf("unknown realm: exit %d\n%s", code, stderr)
	}
	if code, stderr := latchkey(t, "export", "--dir", t.TempDir(), "--data-dir", t.TempDir()); code != 1 || !strings.Contains(stderr, "no database") {
		t.Errorf("no database: exit %d\n%s", code, stderr)
	}
}
