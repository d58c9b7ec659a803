package realmimport

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLoadErrors checks each problem Load reports, with the exact message:
// file path, then line:column or JSON location. DIR/ stands for the
// directory the files are written to.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "malformed JSON gives line and column",
			files: map[string]string{"a.json": "{\n  \"realm\": \"a\",\n  \"clients\": [}\n"},
			want:  []string{"DIR/a.json:3:15: invalid JSON: invalid character '}' looking for beginning of value"},
		},
		{
			name:  "empty file",
			files: map[string]string{"a.json": ""},
			want:  []string{"DIR/a.json:1:1: invalid JSON: unexpected end of JSON input"},
		},
		{
			name:  "wrong type in a list",
			files: map[string]string{"a.json": `{"realm":"a","clients":[{"clientId":"x"},{"clientId":"y"},{"clientId":"z","redirectUris":"http://x/*"}]}`},
			want:  []string{"DIR/a.json: clients[2].redirectUris: expected an array of strings, found a string"},
		},
		{
			name:  "wrong type for a boolean",
			files: map[string]string{"a.json": `{"realm":"a","users":[{"username":"u","credentials":[{"value":"p","temporary":"yes"}]}]}`},
			want:  []string{"DIR/a.json: users[0].credentials[0].temporary: expected true or false, found a string"},
		},
		{
			name:  "wrong type for a number",
			files: map[string]string{"a.json": `{"realm":"a","accessTokenLifespan":1.5}`},
			want:  []string{"DIR/a.json: accessTokenLifespan: expected an integer, found the number 1.5"},
		},
		{
			name:  "wrong type in a map with dotted keys",
			files: map[string]string{"a.json": `{"realm":"a","clients":[{"clientId":"c","attributes":{"pkce.code.challenge.method":["S256"]}}]}`},
			want:  []string{`DIR/a.json: clients[0].attributes["pkce.code.challenge.method"]: expected a string, found an array`},
		},
		{
			name:  "not an object",
			files: map[string]string{"a.json": `"realm"`},
			want:  []string{"DIR/a.json: expected a realm object, found a string"},
		},
		{
			name:  "missing realm name",
			files: map[string]string{"a.json": `{"enabled":true}`},
			want:  []string{"DIR/a.json: realm: realm name is missing or empty"},
		},
		{
			name:  "empty realm name",
			files: map[string]string{"a.json": `{"realm":" "}`},
			want:  []string{"DIR/a.json: realm: realm name is missing or empty"},
		},
		{
			name:  "duplicate realm across files",
			files: map[string]string{"a.json": `{"realm":"r"}`, "b.json": `{"realm":"r"}`},
			want:  []string{`DIR/b.json: realm: realm "r" is already defined in DIR/a.json`},
		},
		{
			name:  "duplicate clientId",
			files: map[string]string{"a.json": `{"realm":"r","clients":[{"clientId":"app"},{"clientId":"web"},{"clientId":"app"}]}`},
			want:  []string{`DIR/a.json: clients[2].clientId: duplicate clientId "app" (first at clients[0].clientId)`},
		},
		{
			name:  "missing clientId",
			files: map[string]string{"a.json": `{"realm":"r","clients":[{"name":"x"}]}`},
			want:  []string{"DIR/a.json: clients[0].clientId: clientId is missing or empty"},
		},
		{
			name:  "duplicate username, case-insensitive",
			files: map[string]string{"a.json": `{"realm":"r","users":[{"username":"a"},{"username":"bob"},{"username":"c"},{"username":"Bob"}]}`},
			want:  []string{`DIR/a.json: users[3].username: duplicate username "Bob" (first at users[1])`},
		},
		{
			name: "duplicate username across a users file",
			files: map[string]string{
				"r-realm.json":   `{"realm":"r","users":[{"username":"bob"}]}`,
				"r-users-0.json": `{"realm":"r","users":[{"username":"ann"},{"username":"bob"}]}`,
			},
			want: []string{`DIR/r-users-0.json: users[1].username: duplicate username "bob" (first at DIR/r-realm.json users[0])`},
		},
		{
			name:  "missing username",
			files: map[string]string{"a.json": `{"realm":"r","users":[{"email":"a@b.c"}]}`},
			want:  []string{"DIR/a.json: users[0].username: username is missing or empty"},
		},
		{
			name:  "duplicate realm role",
			files: map[string]string{"a.json": `{"realm":"r","roles":{"realm":[{"name":"user"},{"name":"admin"},{"name":"user"}]}}`},
			want:  []string{`DIR/a.json: roles.realm[2].name: duplicate role "user" (first at roles.realm[0].name)`},
		},
		{
			name:  "duplicate client role, and roles of an unknown client",
			files: map[string]string{"a.json": `{"realm":"r","clients":[{"clientId":"app"}],"roles":{"client":{"app":[{"name":"x"},{"name":"x"}],"ghost":[]}}}`},
			want: []string{
				`DIR/a.json: roles.client.app[1].name: duplicate role "x" (first at roles.client.app[0].name)`,
				`DIR/a.json: roles.client.ghost: roles for client "ghost", which is neither in this realm nor built in`,
			},
		},
		{
			name: "clientRoles of an unknown client",
			files: map[string]string{"a.json": `{"realm":"r","clients":[{"clientId":"app"}],"users":[{"username":"a"},{"username":"b"},{"username":"c"},
				{"username":"d","clientRoles":{"app":["x"],"account":["manage-account"],"realm-management":["view-users"],"my-app":["y"]}}]}`},
			want: []string{`DIR/a.json: users[3].clientRoles.my-app: roles of client "my-app", which is neither in this realm nor built in`},
		},
		{
			name:  "service account of an unknown client",
			files: map[string]string{"a.json": `{"realm":"r","users":[{"username":"service-account-x","serviceAccountClientId":"x"}]}`},
			want:  []string{`DIR/a.json: users[0].serviceAccountClientId: service account of client "x", which is neither in this realm nor built in`},
		},
		{
			name: "credential with neither value nor secretData",
			files: map[string]string{"a.json": `{"realm":"r","users":[{"username":"a","credentials":[
				{"type":"password","value":"p"},{"type":"password","secretData":"{}","credentialData":"{}"},
				{"type":"password","hashedSaltedValue":"h","salt":"s"},{"type":"password","temporary":true}]}]}`},
			want: []string{"DIR/a.json: users[0].credentials[3]: credential has neither value nor secretData"},
		},
		{
			name:  "users file without its realm",
			files: map[string]string{"other-realm.json": `{"realm":"other"}`, "r-users-0.json": `{"realm":"r","users":[]}`},
			want:  []string{`DIR/r-users-0.json: realm: users file for realm "r", but no file defines that realm`},
		},
		{
			name: "users file of a broken realm file is not reported twice",
			files: map[string]string{
				"r-realm.json":   `{"realm":"r","enabled":"yes"}`,
				"r-users-0.json": `{"realm":"r","users":[]}`,
			},
			want: []string{"DIR/r-realm.json: enabled: expected true or false, found a string"},
		},
		{
			name: "every file is checked",
			files: map[string]string{
				"a.json": `{"realm":`,
				"b.json": `{"realm":"b"}`,
				"c.json": `{"realm":"c","clients":[{"clientId":"x"},{"clientId":"x"}]}`,
			},
			want: []string{
				"DIR/a.json:1:10: invalid JSON: unexpected end of JSON input",
				`DIR/c.json: clients[1].clientId: duplicate clientId "x" (first at clients[0].clientId)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			files, err := Load(dir, noEnv)
			if err == nil {
				t.Fatalf("no error; files %+v", files)
			}
			if files != nil {
				t.Error("files returned along with an error")
			}
			got := strings.Split(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "DIR/"), "\n")
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Error("errors are not *Error")
			}
		})
	}
}
