package securitytest_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
)

// Headers over MaxHeaderBytes (64 KiB) are refused with 431.
func TestOversizedHeaders(t *testing.T) {
	s := startServer(t)
	req, _ := http.NewRequest("GET", s.URL+"/realms/master", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 80<<10))
	if r := do(t, req); r.Status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("80 KiB header: %d, want 431", r.Status)
	}
	want(t, "a normal request afterwards", s.call("GET", "/realms/master", "", nil), 200)
}

// Oversized bodies on the JSON and form endpoints: 413 or 400, never a
// success or a 500.
func TestOversizedBodies(t *testing.T) {
	s := startServer(t)
	tok := s.adminToken()
	want(t, "realm", s.call("POST", "/admin/realms", tok, map[string]any{"realm": "shop", "enabled": true,
		"registrationAllowed": true}), 201)
	big := `{"username":"` + strings.Repeat("x", 9<<20) + `"}`
	for _, c := range []struct{ method, path, tok, ctype string }{
		{"POST", "/admin/realms", tok, "application/json"},
		{"POST", "/admin/realms/master/users", tok, "application/json"},
		{"POST", "/realms/shop/protocol/openid-connect/registrations", "", "application/json"},
		{"POST", "/realms/shop/protocol/openid-connect/registrations/verify", "", "application/json"},
		{"POST", "/realms/shop/protocol/openid-connect/registrations/verify/resend", "", "application/json"},
		{"POST", "/realms/master/protocol/openid-connect/token", "", "application/x-www-form-urlencoded"},
		{"POST", "/realms/master/protocol/openid-connect/token/introspect", "", "application/x-www-form-urlencoded"},
		{"POST", "/realms/master/protocol/openid-connect/revoke", "", "application/x-www-form-urlencoded"},
		{"POST", "/realms/master/protocol/openid-connect/logout", "", "application/x-www-form-urlencoded"},
	} {
		body := big
		if strings.HasPrefix(c.ctype, "application/x-www") {
			body = "grant_type=password&username=" + strings.Repeat("x", 9<<20)
		}
		req, _ := http.NewRequest(c.method, s.URL+c.path, strings.NewReader(body))
		req.Header.Set("Content-Type", c.ctype)
		if c.tok != "" {
			req.Header.Set("Authorization", "Bearer "+c.tok)
		}
		resp, err := client.Do(req)
		if err != nil {
			// The server may answer early and close while we still send.
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge && resp.StatusCode != http.StatusBadRequest &&
			resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s with 9 MiB: %d, want 413 or 400", c.method, c.path, resp.StatusCode)
		}
	}
}

// waitClosed reads from c until the server closes it or limit passes; it
// returns how long that took, or fails.
func waitClosed(t *testing.T, c net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(limit))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("connection still open after %v", limit)
			}
			return time.Since(start)
		}
	}
}

// A client that sends its headers one byte at a time, slower than the
// read-header timeout allows, is cut off; an idle keep-alive connection
// is closed after the idle timeout; a body sent too slowly hits the read
// timeout.
func TestSlowClientsAreCutOff(t *testing.T) {
	s := startServer(t, func(c *config.Config) {
		c.ReadHeaderTimeout = 300 * time.Millisecond
		c.ReadTimeout = 600 * time.Millisecond
		c.IdleTimeout = 400 * time.Millisecond
	})
	const margin = 3 * time.Second

	t.Run("headers byte by byte", func(t *testing.T) {
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			msg := "GET /realms/master HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 200)
			for i := 0; i < len(msg); i++ {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := c.Write([]byte{msg[i]}); err != nil {
					return
				}
			}
		}()
		waitClosed(t, c, 300*time.Millisecond+margin)
	})

	t.Run("idle keep-alive", func(t *testing.T) {
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("first request: %v %v", resp, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		waitClosed(t, c, 400*time.Millisecond+margin)
	})

	t.Run("slow body", func(t *testing.T) {
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "POST /realms/master/protocol/openid-connect/token HTTP/1.1\r\nHost: x\r\n"+
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ngrant_type=password"); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, c, 600*time.Millisecond+margin)
	})
}

// 2,000 idle connections, half of them after one request, half before any,
// do not keep the server from answering a new client.
func TestManyIdleConnections(t *testing.T) {
	s := startServer(t)
	const n = 2000
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", s.Addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		if i%2 == 0 {
			if _, err := io.WriteString(c, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	fresh := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	resp, err := fresh.Get(s.URL + "/realms/master")
	if err != nil {
		t.Fatalf("a new client with %d idle connections open: %v", n, err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("a new client: %d", resp.StatusCode)
	}
}
