package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateProdListsEveryProblem(t *testing.T) {
	c := Default(Prod)
	err := c.Validate()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("Validate() = %v, want *Error", err)
	}
	got := map[string]bool{}
	for _, p := range ce.Problems {
		got[p.Option] = true
	}
	for _, want := range []string{"db", "hostname"} {
		if !got[want] {
			t.Errorf("missing problem for --%s in %v", want, err)
		}
	}
	if !strings.Contains(err.Error(), "LATCHKEY_HOSTNAME") {
		t.Errorf("message does not name the environment variable: %v", err)
	}
}

func TestValidateDevDefaultsAreValid(t *testing.T) {
	c := Default(Dev)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := c.FirstStartProblem(); err != nil {
		t.Fatalf("start-dev falls back to a default password: %v", err)
	}
}

func TestValidateValues(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Config)
		option string
	}{
		{"port", func(c *Config) { c.HTTPPort = 70000 }, "http-port"},
		{"db kind", func(c *Config) { c.DB = "mysql" }, "db"},
		{"postgres needs url", func(c *Config) { c.DB = DBPostgres }, "db-url"},
		{"postgres url scheme", func(c *Config) { c.DB = DBPostgres; c.DBURL = "mysql://x" }, "db-url"},
		{"hostname relative", func(c *Config) { c.Hostname = "id.example.com" }, "hostname"},
		{"log level", func(c *Config) { c.LogLevel = "loud" }, "log-level"},
		{"log format", func(c *Config) { c.LogFormat = "xml" }, "log-format"},
		{"read header timeout", func(c *Config) { c.ReadHeaderTimeout = 0 }, "http-read-header-timeout"},
		{"read timeout", func(c *Config) { c.ReadTimeout = -time.Second }, "http-read-timeout"},
		{"write timeout", func(c *Config) { c.WriteTimeout = 0 }, "http-write-timeout"},
		{"idle timeout", func(c *Config) { c.IdleTimeout = 0 }, "http-idle-timeout"},
		{"argon2 memory too small", func(c *Config) { c.Argon2MemoryKiB = 7 }, "argon2-memory"},
		{"argon2 memory under 8 KiB per lane", func(c *Config) { c.Argon2MemoryKiB = 31; c.Argon2Parallelism = 4 }, "argon2-memory"},
		{"argon2 memory over 1 GiB", func(c *Config) { c.Argon2MemoryKiB = 1<<20 + 1 }, "argon2-memory"},
		{"argon2 iterations", func(c *Config) { c.Argon2Iterations = 1001 }, "argon2-iterations"},
		{"argon2 negative iterations", func(c *Config) { c.Argon2Iterations = -1 }, "argon2-iterations"},
		{"argon2 parallelism", func(c *Config) { c.Argon2Parallelism = 256 }, "argon2-parallelism"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Default(Dev)
			tc.mutate(&c)
			var ce *Error
			if err := c.Validate(); !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Option != tc.option {
				t.Fatalf("Validate() = %v, want one problem for --%s", err, tc.option)
			}
		})
	}
}

func TestFirstStartProblemProd(t *testing.T) {
	c := Default(Prod)
	if err := c.FirstStartProblem(); !IsConfigError(err) {
		t.Fatalf("want a config error, got %v", err)
	}
	c.BootstrapAdminPassword = "x"
	if err := c.FirstStartProblem(); err != nil {
		t.Fatal(err)
	}
}

func TestSQLiteDurableByMode(t *testing.T) {
	if !Default(Prod).SQLiteDurable {
		t.Error("start: SQLite commits are not durable by default")
	}
	if Default(Dev).SQLiteDurable {
		t.Error("start-dev: SQLite commits are durable by default")
	}
}
