package ops

import (
	"context"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/internal/httpapi"
)

// Pinger is what readiness asks: the store.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Health serves the health endpoints in Keycloak's shape.
type Health struct {
	DB      Pinger
	Metrics *Metrics
	// Timeout bounds the database check so a hung database reports DOWN
	// instead of hanging the probe.
	Timeout time.Duration
}

type check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

type report struct {
	Status string  `json:"status"`
	Checks []check `json:"checks"`
}

// Mount adds the health and metrics routes.
func (h *Health) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /health/live", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, report{Status: "UP", Checks: []check{}})
	})
	mux.HandleFunc("GET /health/ready", h.ready)
	mux.HandleFunc("GET /health", h.ready)
	if h.Metrics != nil {
		mux.Handle("GET /metrics", h.Metrics.Handler())
	}
}

func (h *Health) ready(w http.ResponseWriter, r *http.Request) {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	db := check{Name: "database", Status: "UP"}
	status := http.StatusOK
	if err := h.DB.Ping(ctx); err != nil {
		db.Status = "DOWN"
		status = http.StatusServiceUnavailable
		if h.Metrics != nil {
			h.Metrics.StoreError("ping")
		}
	}
	httpapi.WriteJSON(w, status, report{Status: db.Status, Checks: []check{db}})
}
