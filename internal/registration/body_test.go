package registration_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBadBodies checks the strict decoding: every refusal is a 4xx in the
// {"error","error_description"} shape and writes nothing.
func TestBadBodies(t *testing.T) {
	s := newServer(t, "", nil)
	req := func(msg string) string { return `{"error":"invalid_request","error_description":"` + msg + `"}` }
	pad := strings.Repeat(" ", 64<<10)
	tests := []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"over 64 KiB", "application/json", `{"username":"jdoe",` + pad + `"x":1}`, 413, req("Request body too large")},
		{"far over 64 KiB", "application/json", `{"a":"` + strings.Repeat("a", 1<<20) + `"}`, 413, req("Request body too large")},
		{"text/plain", "text/plain", body(nil), 415, req("Content-Type must be application/json")},
		{"form", "application/x-www-form-urlencoded", "username=jdoe", 415, req("Content-Type must be application/json")},
		{"no Content-Type", "", body(nil), 415, req("Content-Type must be application/json")},
		{"json suffix type", "application/merge-patch+json", body(nil), 415, req("Content-Type must be application/json")},
		{"broken Content-Type", "application/json; charset", body(nil), 415, req("Content-Type must be application/json")},
		{"malformed: missing colon", "application/json", "{\n  \"username\": \"x\",\n  \"email\" \"y\"\n}", 400, req("Malformed JSON at line 3, column 11")},
		{"malformed: trailing comma", "application/json", `{"username":"x",}`, 400, req("Malformed JSON at line 1, column 17")},
		{"malformed: garbage after the object", "application/json", `{} x`, 400, req("Malformed JSON at line 1, column 4")},
		{"two objects", "application/json", `{}{}`, 400, req("Malformed JSON at line 1, column 3")},
		{"unterminated", "application/json", `{"username":"x"`, 400, req("Malformed JSON: unexpected end")},
		{"empty body", "application/json", ``, 400, req("Malformed JSON: empty body")},
		{"single quotes", "application/json", `{'username':'x'}`, 400, req("Malformed JSON at line 1, column 2")},
		{"invalid UTF-8", "application/json", "{\"username\":\"\xff\xfe\"}", 400, req("Request body is not valid UTF-8")},
		{"duplicate key", "application/json", `{"username":"a","username":"admin"}`, 400, req(`Duplicate key \"username\"`)},
		{"duplicate key in another case is another key", "application/json", `{"password":"x","password":"y"}`, 400, req(`Duplicate key \"password\"`)},
		{"duplicate nested key", "application/json", `{"attributes":{"a":["1"],"a":["2"]}}`, 400, req(`Duplicate key \"a\"`)},
		{"deep nesting", "application/json", `{"attributes":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`, 400, req("JSON nested too deeply")},
		{"very deep nesting", "application/json", `{"a":` + strings.Repeat("[", 30000), 400, req("JSON nested too deeply")},
		{"username a number", "application/json", `{"username":123}`, 400, req("username: expected string, got number")},
		{"email an object", "application/json", `{"email":{"a":1}}`, 400, req("email: expected string, got object")},
		{"password an array", "application/json", `{"password":["x"]}`, 400, req("password: expected string, got array")},
		{"login a string", "application/json", `{"login":"yes"}`, 400, req("login: expected boolean, got string")},
		{"attributes an array", "application/json", `{"attributes":["a"]}`, 400, req("attributes: expected object, got array")},
		{"attribute value not a list", "application/json", `{"attributes":{"a":"b"}}`, 400, req("attributes: expected array, got string")},
		{"attribute value a number", "application/json", `{"attributes":{"a":[1]}}`, 400, req("attributes: expected string, got number")},
		{"top-level array", "application/json", `[]`, 400, req("The body must be a JSON object")},
		{"top-level string", "application/json", `"jdoe"`, 400, req("The body must be a JSON object")},
		{"top-level null", "application/json", `null`, 400, req("The body must be a JSON object")},
		{"over-long string", "application/json", body(map[string]any{"firstName": strings.Repeat("f", 2049)}), 400, req("A string value is too long")},
		{"over-long key", "application/json", `{"` + strings.Repeat("k", 2049) + `":1}`, 400, req("A string value is too long")},
		{"over-long password", "application/json", body(map[string]any{"password": strings.Repeat("p", 1025)}), 400, req("password: too long")},
		{"too many attributes", "application/json", `{"attributes":{` + manyAttrs(33) + `}}`, 400, req("attributes: too many")},
		{"too many attribute values", "application/json", `{"attributes":{"a":[` + strings.TrimSuffix(strings.Repeat(`"v",`, 17), ",") + `]}}`, 400, req("attributes.a: too many values")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, http.MethodPost, regURL(s, "demo"), strings.NewReader(tt.body), "Content-Type", tt.contentType)
			wantJSON(t, r, tt.status, tt.want)
			if n := len(users(t, s)); n != 0 {
				t.Fatalf("%d users created", n)
			}
		})
	}
	// JSON with a charset parameter, and big but allowed bodies, are fine.
	for name, r := range map[string]response{
		"charset":     post(t, s, body(map[string]any{"username": "charset", "email": "c@example.com"}), "Content-Type", "application/json; charset=utf-8"),
		"under 64KiB": post(t, s, `{"username":"big","email":"big@example.com","firstName":"B","lastName":"B","password":"Secret-pw-1"`+strings.Repeat(" ", 60<<10)+`}`),
	} {
		if r.Status != http.StatusCreated {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
}

func manyAttrs(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"a` + strings.Repeat("x", i) + `":["v"]`)
	}
	return b.String()
}
