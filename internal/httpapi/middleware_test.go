package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/httpapi"
)

type seen struct {
	mu    sync.Mutex
	calls []string
}

func (s *seen) ObserveRequest(method, pattern string, status int, _ time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, method+" "+pattern+" "+http.StatusText(status))
}

func TestWrap(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom/{id}", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
	mux.Handle("GET /fail", httpapi.Handle(log, func(http.ResponseWriter, *http.Request) error {
		return errors.New("db exploded: password=hunter2")
	}))
	mux.Handle("GET /conflict", httpapi.Handle(log, func(http.ResponseWriter, *http.Request) error {
		return httpapi.AdminError(http.StatusConflict, "User exists with same username")
	}))
	obs := &seen{}
	srv := httptest.NewServer(httpapi.Wrap(mux, log, obs))
	defer srv.Close()

	cases := []struct {
		path, wantBody string
		status         int
	}{
		{"/boom/42", `{"error":"unknown_error","error_description":"For more on this error consult the server log."}`, 500},
		{"/fail?token=abc", `{"error":"unknown_error","error_description":"For more on this error consult the server log."}`, 500},
		{"/conflict", `{"errorMessage":"User exists with same username"}`, 409},
	}
	for _, c := range cases {
		resp, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		var body json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != c.status || string(body) != c.wantBody {
			t.Errorf("%s: %d %s, want %d %s", c.path, resp.StatusCode, body, c.status, c.wantBody)
		}
		id := resp.Header.Get("X-Request-Id")
		if len(id) != 16 {
			t.Errorf("%s: request id %q", c.path, id)
		}
		if c.status == 500 && !strings.Contains(logs.String(), "request_id="+id) {
			t.Errorf("%s: the 500 was not logged with its request id:\n%s", c.path, logs.String())
		}
	}
	if strings.Contains(logs.String(), "token=abc") {
		t.Error("the query string reached the log")
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	want := []string{"GET GET /boom/{id} Internal Server Error", "GET GET /fail Internal Server Error", "GET GET /conflict Conflict"}
	if strings.Join(obs.calls, "|") != strings.Join(want, "|") {
		t.Errorf("observed %q, want %q", obs.calls, want)
	}
}
