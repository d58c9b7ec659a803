package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the request id stored by WithRequestID.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Observer receives the outcome of every request (for metrics).
type Observer interface {
	ObserveRequest(method, pattern string, status int, d time.Duration)
}

// Wrap puts the shared middleware around h: a request id (X-Request-Id,
// generated), panic recovery into a logged 500, an access log line, and the
// observer. The route label is the matched ServeMux pattern, so metrics do
// not explode with one series per user id.
func Wrap(h http.Handler, log *slog.Logger, obs Observer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w}
		func() {
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					log.ErrorContext(ctx, "panic serving request", "request_id", id,
						"method", r.Method, "path", r.URL.Path, "panic", p)
					if !rec.wrote {
						WriteJSON(rec, http.StatusInternalServerError, OAuthBody{Error: "unknown_error",
							ErrorDescription: "For more on this error consult the server log."})
					}
				}
			}()
			h.ServeHTTP(rec, r)
		}()
		if !rec.wrote {
			rec.status = http.StatusOK
		}
		d := time.Since(start)
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		if obs != nil {
			obs.ObserveRequest(r.Method, pattern, rec.status, d)
		}
		// The query string is never logged: it may carry codes or tokens.
		log.InfoContext(ctx, "request", "request_id", id, "method", r.Method, "path", r.URL.Path,
			"route", pattern, "status", rec.status, "duration_ms", float64(d.Microseconds())/1000,
			"remote", r.RemoteAddr)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if !s.wrote {
		s.status, s.wrote = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
