package ops

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the server's Prometheus collectors.
type Metrics struct {
	Registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	durations   *prometheus.HistogramVec
	storeErrors *prometheus.CounterVec
}

// NewMetrics registers Go runtime and process collectors and latchkey's own.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_http_requests_total",
			Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "latchkey_http_request_duration_seconds",
			Help:    "HTTP request durations by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_store_errors_total",
			Help: "Database errors that were not an expected outcome (not found, conflict), by kind: unavailable, contention, other, or ping (a failed readiness check).",
		}, []string{"kind"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.durations, m.storeErrors,
	)
	return m
}

// ObserveRequest implements httpapi.Observer.
func (m *Metrics) ObserveRequest(method, pattern string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, pattern, strconv.Itoa(status)).Inc()
	m.durations.WithLabelValues(pattern).Observe(d.Seconds())
}

// StoreError counts an unexpected database error of the given kind.
func (m *Metrics) StoreError(kind string) { m.storeErrors.WithLabelValues(kind).Inc() }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
