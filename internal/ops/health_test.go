package ops_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/ops"
	"github.com/latchkey/latchkey/internal/testenv"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func TestHealthFollowsTheDatabase(t *testing.T) {
	st := testenv.SQLite(t)
	m := ops.NewMetrics()
	mux := http.NewServeMux()
	(&ops.Health{DB: st, Metrics: m}).Mount(mux)
	srv := httptest.NewServer(httpapi.Wrap(mux, testenv.Logger(t), m))
	defer srv.Close()

	if code, body := get(t, srv.URL+"/health/live"); code != 200 || body != `{"status":"UP","checks":[]}` {
		t.Errorf("live: %d %s", code, body)
	}
	if code, body := get(t, srv.URL+"/health/ready"); code != 200 || body != `{"status":"UP","checks":[{"name":"database","status":"UP"}]}` {
		t.Errorf("ready: %d %s", code, body)
	}
	// A closed store is a database that no longer answers.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, srv.URL+"/health/ready"); code != 503 || body != `{"status":"DOWN","checks":[{"name":"database","status":"DOWN"}]}` {
		t.Errorf("ready with the database gone: %d %s", code, body)
	}
	if code, body := get(t, srv.URL+"/health/live"); code != 200 {
		t.Errorf("live must not depend on the database: %d %s", code, body)
	}
	_, metrics := get(t, srv.URL+"/metrics")
	for _, want := range []string{
		`latchkey_http_requests_total{code="200",method="GET",route="GET /health/ready"} 1`,
		`latchkey_http_requests_total{code="503",method="GET",route="GET /health/ready"} 1`,
		`latchkey_store_errors_total{kind="ping"} 1`,
		`latchkey_http_request_duration_seconds_bucket{route="GET /health/live"`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
