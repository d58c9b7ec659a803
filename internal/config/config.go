package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Mode is how the server was started.
type Mode string

const (
	// Dev is start-dev: embedded SQLite, forgiving defaults.
	Dev Mode = "dev"
	// Prod is start: every consequential setting must be explicit.
	Prod Mode = "prod"
)

// Database kinds.
const (
	DBSQLite   = "sqlite"
	DBPostgres = "postgres"
)

// Config is everything the server needs to start.
type Config struct {
	Mode Mode

	HTTPHost string
	HTTPPort int
	// Hostname is the public base URL used in issued URLs (issuer, links).
	// Empty means "from the request", allowed in start-dev only.
	Hostname string

	DataDir string
	DB      string
	DBURL   string

	ImportRealm string

	// MailTemplatesDir holds mail templates that override the built-in
	// ones file by file (see mail.LoadTemplates); "" for none.
	MailTemplatesDir string

	// ProxyHeaders says which forwarding headers a trusted reverse proxy
	// sets: "xforwarded", "forwarded", or "" (none trusted).
	ProxyHeaders string

	BootstrapAdminUsername string
	BootstrapAdminPassword string

	LogLevel  string
	LogFormat string

	ShutdownTimeout time.Duration

	// Timeouts of the HTTP server against slow or idle clients: reading a
	// request's headers, reading a whole request, writing a response, and
	// keeping an idle keep-alive connection open.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration

	// SQLiteDurable makes each SQLite commit wait for the disk
	// (synchronous=FULL), so an acknowledged registration survives a power
	// loss, at one fsync per commit. On by default under start, off under
	// start-dev.
	SQLiteDurable bool

	// SecretsKeyFile holds the key (32 bytes, base64) that seals client
	// secrets and SMTP passwords in the database. "" means
	// <data-dir>/secrets.key, made on first start, on SQLite; on
	// PostgreSQL, where every process needs the same key, "" leaves them
	// in clear (with a warning at start).
	SecretsKeyFile string

	// CacheTTL is how long the in-memory cache of realms, clients, roles
	// and role mappings serves an entry before reading it again; 0 turns
	// the cache off. Writes drop what they change at once, in every
	// process (PostgreSQL LISTEN/NOTIFY), so the TTL only bounds what a
	// lost notification could leave stale.
	CacheTTL time.Duration

	// Argon2MemoryKiB, Argon2Iterations and Argon2Parallelism are the
	// argon2id parameters of new password hashes, as Keycloak's argon2
	// provider options (spi-password-hashing-argon2-memory, -iterations,
	// -parallelism) set them; 0 keeps Keycloak's default (7168 KiB, 5, 1).
	// A realm's hashIterations(n) policy still replaces the iterations.
	Argon2MemoryKiB   int
	Argon2Iterations  int
	Argon2Parallelism int

	// PprofAddr, when set, serves Go's profiler (net/http/pprof) on its
	// own loopback listener, never on the public port. "" (the default)
	// serves no profiles.
	PprofAddr string
}

// Default returns the defaults for mode.
func Default(mode Mode) Config {
	c := Config{
		Mode:                   mode,
		HTTPHost:               "0.0.0.0",
		HTTPPort:               8080,
		DataDir:                "data",
		BootstrapAdminUsername: "admin",
		LogLevel:               "info",
		LogFormat:              "text",
		ShutdownTimeout:        10 * time.Second,
		CacheTTL:               30 * time.Second,
		ReadHeaderTimeout:      10 * time.Second,
		ReadTimeout:            30 * time.Second,
		WriteTimeout:           60 * time.Second,
		IdleTimeout:            120 * time.Second,
		SQLiteDurable:          mode != Dev,
	}
	if mode == Dev {
		c.DB = DBSQLite
	}
	return c
}

// Problem is one invalid or missing setting, named by its flag and
// environment variable.
type Problem struct {
	Option string // flag name without dashes, e.g. "db-url"
	Msg    string
}

func (p Problem) String() string {
	return fmt.Sprintf("--%s (%s): %s", p.Option, EnvName(p.Option), p.Msg)
}

// Error lists every problem found. The CLI exits with status 2 on it.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "invalid configuration:\n  " + strings.Join(lines, "\n  ")
}

// EnvName is the environment variable that sets option: LATCHKEY_ and the
// option upper-cased with dashes as underscores.
func EnvName(option string) string {
	return "LATCHKEY_" + strings.ToUpper(strings.ReplaceAll(option, "-", "_"))
}

// Validate reports every problem at once, or nil. In Prod mode the database
// and hostname must be given explicitly; whether a bootstrap password is
// needed depends on the database (first start), so the server checks that
// after opening it, with FirstStartProblem.
func (c *Config) Validate() error {
	var ps []Problem
	add := func(opt, format string, a ...any) { ps = append(ps, Problem{opt, fmt.Sprintf(format, a...)}) }

	if c.HTTPPort < 0 || c.HTTPPort > 65535 {
		add("http-port", "must be between 0 and 65535, got %d", c.HTTPPort)
	}
	switch c.DB {
	case DBSQLite, DBPostgres:
	case "":
		add("db", "is required by start: choose sqlite or postgres")
	default:
		add("db", "must be sqlite or postgres, got %q", c.DB)
	}
	if c.DB == DBPostgres {
		if c.DBURL == "" {
			add("db-url", "is required with --db postgres (postgres://user@host:5432/db)")
		} else if u, err := url.Parse(c.DBURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			add("db-url", "must be a postgres:// URL")
		}
	}
	if c.Mode == Prod && c.Hostname == "" {
		add("hostname", "is required by start: the public base URL, e.g. https://id.example.com")
	}
	if c.Hostname != "" {
		if u, err := url.Parse(c.Hostname); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("hostname", "must be an absolute http(s) URL, got %q", c.Hostname)
		}
	}
	if c.BootstrapAdminUsername == "" {
		add("bootstrap-admin-username", "must not be empty")
	}
	switch c.ProxyHeaders {
	case "", "xforwarded", "forwarded":
	default:
		add("proxy-headers", "must be xforwarded or forwarded, got %q", c.ProxyHeaders)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("log-level", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		add("log-format", "must be text or json, got %q", c.LogFormat)
	}
	if c.CacheTTL < 0 {
		add("cache-ttl", "must not be negative (0 turns the cache off), got %s", c.CacheTTL)
	}
	if c.ShutdownTimeout <= 0 {
		add("shutdown-timeout", "must be positive")
	}
	for _, d := range []struct {
		opt string
		v   time.Duration
	}{{"http-read-header-timeout", c.ReadHeaderTimeout}, {"http-read-timeout", c.ReadTimeout},
		{"http-write-timeout", c.WriteTimeout}, {"http-idle-timeout", c.IdleTimeout}} {
		if d.v <= 0 {
			add(d.opt, "must be positive")
		}
	}
	// The upper bounds are the largest stored parameters latchkey agrees
	// to verify (internal/credential), so every hash it makes stays
	// verifiable.
	if c.Argon2Parallelism < 0 || c.Argon2Parallelism > 255 {
		add("argon2-parallelism", "must be between 1 and 255 (0: the default, 1), got %d", c.Argon2Parallelism)
	}
	if c.Argon2Iterations < 0 || c.Argon2Iterations > 1000 {
		add("argon2-iterations", "must be between 1 and 1000 (0: the default, 5), got %d", c.Argon2Iterations)
	}
	if m, p := c.Argon2MemoryKiB, max(1, c.Argon2Parallelism); m != 0 && (m < 8*p || m > 1<<20) {
		add("argon2-memory", "must be between 8 KiB per lane (%d) and 1048576 KiB (1 GiB) (0: the default, 7168), got %d", 8*p, m)
	}
	if c.PprofAddr != "" {
		if host, port, err := net.SplitHostPort(c.PprofAddr); err != nil || port == "" {
			add("debug-pprof-addr", "must be host:port on loopback, e.g. 127.0.0.1:6060, got %q", c.PprofAddr)
		} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			add("debug-pprof-addr", "must be on loopback (127.0.0.1, ::1 or localhost): profiles are not for the network, got %q", c.PprofAddr)
		}
	}
	if len(ps) > 0 {
		return &Error{Problems: ps}
	}
	return nil
}

// FirstStartProblem reports the missing bootstrap password when the
// database has no master realm yet. start-dev falls back to "admin".
func (c *Config) FirstStartProblem() error {
	if c.BootstrapAdminPassword == "" && c.Mode == Prod {
		return &Error{Problems: []Problem{{"bootstrap-admin-password",
			"is required on a first start (the database has no master realm yet)"}}}
	}
	return nil
}

// SQLitePath is the database file: --db-url when given, else latchkey.db
// in the data directory.
func (c *Config) SQLitePath() string {
	if c.DBURL != "" {
		return c.DBURL
	}
	return filepath.Join(c.DataDir, "latchkey.db")
}

// IsConfigError reports whether err is a configuration problem.
func IsConfigError(err error) bool {
	var ce *Error
	return errors.As(err, &ce)
}
