package httpapi_test

import (
	"net/http/httptest"
	"testing"

	"github.com/latchkey/latchkey/internal/httpapi"
)

func TestClientIP(t *testing.T) {
	cases := []struct {
		mode, xff, fwd, want string
	}{
		{"", "203.0.113.9", `for=198.51.100.1`, "192.0.2.1"}, // headers ignored without a proxy
		{"xforwarded", "203.0.113.9, 10.0.0.1", "", "203.0.113.9"},
		{"xforwarded", "not-an-ip", "", "192.0.2.1"},
		{"forwarded", "203.0.113.9", `for="[2001:db8::1]:4711";proto=https, for=198.51.100.2`, "2001:db8::1"},
		{"forwarded", "", `For=198.51.100.7:1234`, "198.51.100.7"},
		{"forwarded", "", `for=unknown`, "192.0.2.1"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "192.0.2.1:5555"
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.fwd != "" {
			r.Header.Set("Forwarded", c.fwd)
		}
		if got := httpapi.ClientIP(r, c.mode); got != c.want {
			t.Errorf("mode %q xff %q fwd %q: %s, want %s", c.mode, c.xff, c.fwd, got, c.want)
		}
	}
}
