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
	hashQueue   prometheus.Gauge
	hashes      *prometheus.HistogramVec
	events      *prometheus.CounterVec
	registers   *prometheus.CounterVec
	mailSent    *prometheus.CounterVec
	mailFailed  *prometheus.CounterVec
	mailPending prometheus.Gauge
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
		hashQueue: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "latchkey_password_hash_queue_depth",
			Help: "Password hashes waiting for a slot: hashing is bounded so a burst queues instead of exhausting memory.",
		}),
		hashes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "latchkey_password_hash_duration_seconds",
			Help:    "Time to hash or verify one password, by algorithm (excluding the wait for a slot).",
			Buckets: []float64{.001, .0025, .005, .01, .02, .04, .08, .16, .32, .64, 1.28},
		}, []string{"algorithm"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_user_events_total",
			Help: "User events (LOGIN, LOGIN_ERROR, CLIENT_LOGIN, REFRESH_TOKEN, LOGOUT, ...) by realm, type and Keycloak error id, whether or not the realm stores events.",
		}, []string{"realm", "event", "error"}),
		registers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_registrations_total",
			Help: "Self-registration attempts by realm and outcome (created, or the REGISTER_ERROR error id, or rate_limited).",
		}, []string{"realm", "outcome"}),
		mailSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_mail_sent_total",
			Help: "E-mails the outbox delivered (to an SMTP server, or to a file in start-dev), by realm and kind.",
		}, []string{"realm", "kind"}),
		mailFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "latchkey_mail_failed_total",
			Help: "Failed e-mail attempts by realm, kind and outcome: retry (tried again later) or gave_up (left failed).",
		}, []string{"realm", "kind", "outcome"}),
		mailPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "latchkey_mail_pending",
			Help: "E-mails waiting in the outbox across realms, as this process last counted them.",
		}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.durations, m.storeErrors, m.hashQueue, m.hashes, m.events, m.registers,
		m.mailSent, m.mailFailed, m.mailPending,
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

// HashQueueDepth implements credential.Observer.
func (m *Metrics) HashQueueDepth(delta int) { m.hashQueue.Add(float64(delta)) }

// HashDone implements credential.Observer.
func (m *Metrics) HashDone(algorithm string, d time.Duration) {
	m.hashes.WithLabelValues(algorithm).Observe(d.Seconds())
}

// CountEvent implements oidc.EventCounter.
func (m *Metrics) CountEvent(realm, event, errorID string) {
	m.events.WithLabelValues(realm, event, errorID).Inc()
}

// CountRegistration implements registration.Counter.
func (m *Metrics) CountRegistration(realm, outcome string) {
	m.registers.WithLabelValues(realm, outcome).Inc()
}

// MailSent implements mail.Metrics.
func (m *Metrics) MailSent(realm, kind string) { m.mailSent.WithLabelValues(realm, kind).Inc() }

// MailFailed implements mail.Metrics.
func (m *Metrics) MailFailed(realm, kind string, final bool) {
	outcome := "retry"
	if final {
		outcome = "gave_up"
	}
	m.mailFailed.WithLabelValues(realm, kind, outcome).Inc()
}

// MailPending implements mail.Metrics.
func (m *Metrics) MailPending(n int) { m.mailPending.Set(float64(n)) }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
