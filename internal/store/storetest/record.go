package storetest

import (
	"context"
	"database/sql/driver"
	"sync"

	"github.com/jackc/pgx/v5"
)

// Statement is one SQL statement a recorded connection sent, with its
// arguments.
type Statement struct {
	SQL  string
	Args []any
}

// Recorder records the statements sent through the connections of the
// connectors it wraps, so that a backend's plan tests can explain exactly
// what the store sends (not a copy of it that may drift).
type Recorder struct {
	mu sync.Mutex
	on bool
	qs []Statement
}

// Record runs fn and returns the statements sent meanwhile.
func (r *Recorder) Record(fn func()) []Statement {
	r.mu.Lock()
	r.on, r.qs = true, nil
	r.mu.Unlock()
	fn()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.qs
}

func (r *Recorder) add(q string, args []driver.NamedValue) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.on {
		return
	}
	vals := make([]any, 0, len(args))
	for _, a := range args {
		// The store's request for a custom plan (pgx.QueryExecModeExec,
		// sqlstore.Dialect.CustomPlan) is a driver option, not a parameter.
		if _, ok := a.Value.(pgx.QueryExecMode); !ok {
			vals = append(vals, a.Value)
		}
	}
	r.qs = append(r.qs, Statement{q, vals})
}

// Connector wraps inner so that every query and exec is recorded.
func (r *Recorder) Connector(inner driver.Connector) driver.Connector {
	return recConnector{inner, r}
}

// DSNConnector is a connector that opens d with dsn, for drivers that do
// not offer one of their own.
func DSNConnector(d driver.Driver, dsn string) driver.Connector { return dsnConnector{d, dsn} }

type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

type recConnector struct {
	inner driver.Connector
	r     *Recorder
}

func (c recConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &recConn{cn, c.r}, nil
}

func (c recConnector) Driver() driver.Driver { return c.inner.Driver() }

// recConn passes everything on to the real connection; database/sql finds
// the optional interfaces it needs on it.
type recConn struct {
	driver.Conn
	r *Recorder
}

func (c *recConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	qc, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.r.add(q, args)
	return qc.QueryContext(ctx, q, args)
}

func (c *recConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	ec, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	c.r.add(q, args)
	return ec.ExecContext(ctx, q, args)
}

func (c *recConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.r.add(q, nil)
	if pc, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return pc.PrepareContext(ctx, q)
	}
	return c.Conn.Prepare(q)
}

func (c *recConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if bc, ok := c.Conn.(driver.ConnBeginTx); ok {
		return bc.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // database/sql's own fallback
}

func (c *recConn) CheckNamedValue(nv *driver.NamedValue) error {
	if nc, ok := c.Conn.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *recConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *recConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}
