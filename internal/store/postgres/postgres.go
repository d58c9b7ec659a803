package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

type config struct {
	maxConns int
}

// Option tunes Open.
type Option func(*config)

// WithMaxConns bounds the connection pool (default 20).
func WithMaxConns(n int) Option { return func(c *config) { c.maxConns = n } }

// Timeouts against a database that stops answering, unless the URL sets
// them (connect_timeout, query_timeout; see Open).
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultQueryTimeout   = 5 * time.Second
)

// Open connects to the database at url (postgres://user@host/db?...; any
// unknown parameter such as search_path is sent as a run-time setting),
// migrates it to this binary's schema and returns the store. A database
// that cannot be reached is store.ErrUnavailable.
//
// Two URL parameters bound how long a call waits on a database that went
// silent (a hung server, a network that drops packets without a reset):
// connect_timeout (libpq's, in seconds; DefaultConnectTimeout when absent
// or 0) bounds opening a connection, and query_timeout (latchkey's own,
// never sent to the server: seconds, or a Go duration such as 1500ms;
// DefaultQueryTimeout when absent, 0 to turn it off) bounds both the wait
// for a pooled connection and how long any read waits for the server's
// next bytes. A statement that makes PostgreSQL compute longer than
// query_timeout before answering fails too: raise it for such work.
func Open(ctx context.Context, url string, opts ...Option) (*sqlstore.Store, error) {
	cfg := config{maxConns: 20}
	for _, o := range opts {
		o(&cfg)
	}
	connCfg, err := pgx.ParseConfig(url)
	if err != nil {
		// The error may quote the URL; it is the operator's own setting.
		return nil, fmt.Errorf("postgres: parsing the database URL: %w", err)
	}
	queryTimeout, err := takeQueryTimeout(connCfg)
	if err != nil {
		return nil, err
	}
	if connCfg.ConnectTimeout <= 0 {
		connCfg.ConnectTimeout = DefaultConnectTimeout
	}
	if queryTimeout > 0 {
		dial := connCfg.DialFunc
		connCfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &silenceConn{Conn: c, timeout: queryTimeout}, nil
		}
	}
	db := stdlib.OpenDB(*connCfg)
	db.SetMaxOpenConns(cfg.maxConns)
	db.SetMaxIdleConns(min(cfg.maxConns, 5))
	db.SetConnMaxIdleTime(5 * time.Minute)

	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: postgres %s:%d: %w", store.ErrUnavailable, connCfg.Host, connCfg.Port, err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, err
	}
	// Several processes may start at once on one database: the advisory
	// lock makes them take turns, and the later ones find nothing to do.
	if err := sqlstore.Migrate(ctx, Dialect, db, goose.DialectPostgres, sub,
		goose.WithSessionLocker(migrationLock{})); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	st := sqlstore.New(Dialect, db, db)
	if queryTimeout > 0 {
		st.SetPoolWait(queryTimeout)
	}
	return st, nil
}

// takeQueryTimeout reads and removes query_timeout from the run-time
// settings pgx would send to the server.
func takeQueryTimeout(c *pgx.ConnConfig) (time.Duration, error) {
	v, ok := c.RuntimeParams["query_timeout"]
	if !ok {
		return DefaultQueryTimeout, nil
	}
	delete(c.RuntimeParams, "query_timeout")
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("postgres: query_timeout %q: want seconds or a duration such as 1500ms", v)
	}
	return d, nil
}

// silenceConn bounds how long one read waits for PostgreSQL's next bytes.
// A server that stopped answering leaves pgx waiting until TCP gives up,
// minutes later, and pgx's own deadlines only follow the caller's context,
// which a request does not bound. A read that times out makes pgx close
// the connection, and the call fails as store.ErrUnavailable. A deadline
// pgx sets itself (to cancel a statement) still applies when it is
// earlier.
type silenceConn struct {
	net.Conn
	timeout time.Duration

	mu      sync.Mutex
	asked   time.Time // the read deadline pgx set; zero is none
	reading time.Time // the silence deadline of the read under way
}

// apply sets the earlier of the two deadlines; c.mu is held.
func (c *silenceConn) apply() error {
	d := c.asked
	if !c.reading.IsZero() && (d.IsZero() || c.reading.Before(d)) {
		d = c.reading
	}
	return c.Conn.SetReadDeadline(d)
}

func (c *silenceConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	c.reading = time.Now().Add(c.timeout)
	err := c.apply()
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.reading = time.Time{}
	c.mu.Unlock()
	return n, err
}

func (c *silenceConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = t
	return c.apply()
}

func (c *silenceConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = t
	return errors.Join(c.apply(), c.Conn.SetWriteDeadline(t))
}

// ConnConfig parses url as Open does, for a connection of its own outside
// the pool (the cache's LISTEN connection): latchkey's query_timeout is
// taken out, not sent to the server, and connect_timeout gets its default.
// No read deadline is set: such a connection may wait for long.
func ConnConfig(url string) (*pgx.ConnConfig, error) {
	c, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parsing the database URL: %w", err)
	}
	if _, err := takeQueryTimeout(c); err != nil {
		return nil, err
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	return c, nil
}
