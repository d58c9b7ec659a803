package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/latchkey/latchkey/internal/httpapi"
)

func TestResolveWebOrigins(t *testing.T) {
	got := httpapi.ResolveWebOrigins(
		[]string{"+", "https://extra.test/", "https://app.test"},
		[]string{"https://app.test/cb/*", "http://localhost:3000/*", "/relative/*", "com.example.app:/oauth", "*"},
		"https://root.test:8443/base")
	want := []string{"https://app.test", "http://localhost:3000", "https://root.test:8443", "https://extra.test"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestCORSApply(t *testing.T) {
	c := httpapi.CORS{Allowed: []string{"https://app.test"}, Credentials: true, Expose: []string{"Location"}}
	cases := []struct {
		origin, wantAllow string
	}{
		{"https://app.test", "https://app.test"},
		{"https://evil.test", ""},
		{"https://app.test.evil.test", ""},
		{"", ""},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("POST", "/", nil)
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		w := httptest.NewRecorder()
		c.Apply(w, r)
		if got := w.Header().Get("Access-Control-Allow-Origin"); got != tc.wantAllow {
			t.Errorf("origin %q: allow-origin %q, want %q", tc.origin, got, tc.wantAllow)
		}
		if tc.wantAllow != "" && (w.Header().Get("Access-Control-Allow-Credentials") != "true" ||
			w.Header().Get("Access-Control-Expose-Headers") != "Location") {
			t.Errorf("origin %q: headers %v", tc.origin, w.Header())
		}
	}
	// "*" echoes any origin, never a literal "*".
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Origin", "https://anyone.test")
	w := httptest.NewRecorder()
	httpapi.AllowAll.Apply(w, r)
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "https://anyone.test" {
		t.Errorf("AllowAll: %q", got)
	}
}

func TestPreflight(t *testing.T) {
	r := httptest.NewRequest(http.MethodOptions, "/", nil)
	r.Header.Set("Origin", "https://app.test")
	w := httptest.NewRecorder()
	httpapi.Preflight("POST, OPTIONS", true).ServeHTTP(w, r)
	h := w.Header()
	if w.Code != 200 || h.Get("Access-Control-Allow-Origin") != "https://app.test" ||
		h.Get("Access-Control-Allow-Methods") != "POST, OPTIONS" || h.Get("Access-Control-Max-Age") != "3600" ||
		h.Get("Access-Control-Allow-Headers") != "Origin, Accept, X-Requested-With, Content-Type, Access-Control-Request-Method, Access-Control-Request-Headers, DPoP, Authorization" {
		t.Errorf("preflight: %d %v", w.Code, h)
	}
}
