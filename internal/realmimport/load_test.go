package realmimport

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func noEnv(string) (string, bool) { return "", false }

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// writeFiles creates the files (name -> content) in a new directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadRealExports(t *testing.T) {
	tests := []struct {
		path  string
		realm string
		users int
	}{
		{"../kcrep/testdata/examples-realm.json", "Examples", 2},
		{"../kcrep/testdata/realm-b-realm.json", "realm-b", 3},
		{"testdata/spa/realm-import.json", "quickstart", 2},
		{"testdata/authz/realm-import.json", "quickstart", 3},
	}
	for _, tt := range tests {
		files, err := Load(tt.path, noEnv)
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		if len(files) != 1 || files[0].Path != tt.path || files[0].Realm.Realm != tt.realm || len(files[0].Realm.Users) != tt.users {
			t.Errorf("%s: got %d files, %+v", tt.path, len(files), files)
		}
	}
	// Localisation keys such as ${role_offline-access} and ${authBaseUrl}
	// are not environment variables and stay as they are.
	files, err := Load("../kcrep/testdata/realm-b-realm.json", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got := files[0].Realm.Clients[0].RootURL; got != "${authBaseUrl}" {
		t.Errorf("rootUrl = %q", got)
	}
}

func TestLoadDirectoryExport(t *testing.T) {
	files, err := Load("testdata/export-dir", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("got %d files, want the one realm", len(files))
	}
	f := files[0]
	if f.Path != filepath.Join("testdata/export-dir", "realm-b-realm.json") || f.Realm.Realm != "realm-b" {
		t.Errorf("file = %s realm %s", f.Path, f.Realm.Realm)
	}
	var names []string
	for _, u := range f.Realm.Users {
		names = append(names, u.Username)
	}
	want := []string{"service-account-realm-b-client", "jdoe", "kolo", "argon-user"}
	if !slices.Equal(names, want) {
		t.Errorf("users = %q, want %q", names, want)
	}
	c := f.Realm.Users[3].Credentials[0]
	if !strings.Contains(c.CredentialData, `"algorithm":"argon2"`) || c.Value != "" {
		t.Errorf("argon2 credential = %+v", c)
	}
}

func TestUsersFilesMergeInNumericOrder(t *testing.T) {
	user := func(name string) string { return `{"realm":"r","users":[{"username":"` + name + `"}]}` }
	dir := writeFiles(t, map[string]string{
		"r-realm.json":    `{"realm":"r","users":[{"username":"first"}]}`,
		"r-users-10.json": user("ten"),
		"r-users-2.json":  user("two"),
		"r-users-0.json":  user("zero"),
	})
	files, err := Load(dir, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range files[0].Realm.Users {
		names = append(names, u.Username)
	}
	if want := []string{"first", "zero", "two", "ten"}; !slices.Equal(names, want) {
		t.Errorf("users = %q, want %q", names, want)
	}
}

func TestDirectoryOrderAndFilter(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"b.json":       `{"realm":"b"}`,
		"a.json":       `{"realm":"a"}`,
		"notes.txt":    `not json`,
		"sub/d.json":   `{"realm":"d"}`,
		"target/e.txt": `{"realm":"e"}`,
	})
	// A symbolic link to a regular file counts, as Keycloak's does (a
	// Kubernetes ConfigMap volume is made of them).
	if err := os.Symlink(filepath.Join(dir, "target/e.txt"), filepath.Join(dir, "c.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := Load(dir, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f.Path)+"="+f.Realm.Realm)
	}
	if want := []string{"a.json=a", "b.json=b", "c.json=e"}; !slices.Equal(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
}

func TestArrayOfRealms(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"many.json": `[{"realm":"a"},{"realm":"b","clients":[{"clientId":"x"},{"clientId":"x"}]}]`,
	})
	_, err := Load(filepath.Join(dir, "many.json"), noEnv)
	want := filepath.Join(dir, "many.json") + `: [1].clients[1].clientId: duplicate clientId "x" (first at [1].clients[0].clientId)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestLoadMissingPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.json")
	_, err := Load(p, noEnv)
	if err == nil || !strings.HasPrefix(err.Error(), p+": ") {
		t.Errorf("got %v", err)
	}
}
