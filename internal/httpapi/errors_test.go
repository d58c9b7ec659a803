package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/store"
)

// A database that cannot be reached is a 503 in the OAuth error shape,
// whether the handler returns the store's error as is or wrapped in a 5xx
// *Error; a 4xx the handler chose stays as it is; other errors stay 500.
// The cause is logged, never sent.
func TestUnavailableIs503(t *testing.T) {
	down := fmt.Errorf("user lookup: %w: postgres: dial tcp 10.1.2.3:5432: connection refused", store.ErrUnavailable)
	for _, c := range []struct {
		name   string
		err    error
		status int
		error  string
	}{
		{"bare", down, http.StatusServiceUnavailable, "temporarily_unavailable"},
		{"in a 500", &httpapi.Error{Status: 500, Cause: down, Body: httpapi.OAuthBody{Error: "x"}}, http.StatusServiceUnavailable, "temporarily_unavailable"},
		{"in a 400", &httpapi.Error{Status: 400, Cause: down, Body: httpapi.OAuthBody{Error: "invalid_request"}}, http.StatusBadRequest, "invalid_request"},
		{"other", errors.New("boom at 10.1.2.3"), http.StatusInternalServerError, "unknown_error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := httpapi.Handle(slog.New(slog.NewTextHandler(&logs, nil)), func(http.ResponseWriter, *http.Request) error { return c.err })
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, body)
			}
			var b map[string]string
			if err := json.Unmarshal(body, &b); err != nil || b["error"] != c.error {
				t.Fatalf("body %s (%v), want error %q", body, err, c.error)
			}
			if strings.Contains(string(body), "10.1.2.3") || strings.Contains(string(body), "store:") {
				t.Errorf("body leaks the cause: %s", body)
			}
			if c.status == http.StatusServiceUnavailable {
				if b["error_description"] != httpapi.UnavailableDescription || rec.Header().Get("Retry-After") == "" {
					t.Errorf("503 without a description or Retry-After: %s %v", body, rec.Header())
				}
				if !strings.Contains(logs.String(), "connection refused") {
					t.Errorf("cause not logged: %s", logs.String())
				}
			}
		})
	}
}

type unknownOutcome struct{ error }

func (unknownOutcome) OutcomeUnknown() bool { return true }

func (u unknownOutcome) Unwrap() error { return u.error }

// A commit whose answer was lost says that the change may have been
// applied.
func TestUnavailableOutcomeUnknown(t *testing.T) {
	err := fmt.Errorf("create user: %w", unknownOutcome{fmt.Errorf("%w: unexpected EOF", store.ErrUnavailable)})
	h := httpapi.Handle(slog.New(slog.NewTextHandler(io.Discard, nil)), func(http.ResponseWriter, *http.Request) error { return err })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/x", nil))
	var b map[string]string
	if rec.Code != http.StatusServiceUnavailable || json.Unmarshal(rec.Body.Bytes(), &b) != nil ||
		b["error_description"] != httpapi.UnknownOutcomeDescription {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
