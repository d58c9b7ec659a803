package realmimport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad writes arbitrary bytes to a file and loads it. Invariant: Load
// never panics, and either returns realms with no error or an error that
// names the file.
func FuzzLoad(f *testing.F) {
	for _, p := range []string{
		"../kcrep/testdata/examples-realm.json",
		"testdata/spa/realm-import.json",
		"testdata/authz/realm-import.json",
	} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{"realm":"a"}`, `[{"realm":"a"},{"realm":"a"}]`,
		`{"realm":"${X}","users":[{"username":"${Y:d}","credentials":[{}]}]}`,
		`{"realm":"a","clients":[{"clientId":1}]}`, `{"realm":"a","roles":{"client":{"x":[{}]}}}`,
		"{\"realm\":\"a\",\"users\":[{\"username\":\"\\u0000\"}]}",
	} {
		f.Add([]byte(s))
	}
	env := envOf(map[string]string{"X": "x"})
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "realm.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files, err := Load(path, env)
		if err != nil {
			if files != nil {
				t.Fatal("files returned with an error")
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, path) {
					t.Fatalf("error line does not start with the path: %q", line)
				}
			}
			return
		}
		for _, f := range files {
			if f.Path != path || strings.TrimSpace(f.Realm.Realm) == "" {
				t.Fatalf("bad file %+v", f)
			}
		}
	})
}
