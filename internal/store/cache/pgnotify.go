package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Channel is the PostgreSQL NOTIFY channel the processes share.
const Channel = "latchkey_cache"

// PostgresNotifier carries drops between processes through PostgreSQL's
// LISTEN/NOTIFY, on two connections of its own: one listens, one
// publishes.
type PostgresNotifier struct {
	cfg *pgx.ConnConfig
	log *slog.Logger
	// Probe is how long the listener waits for a notification before it
	// checks that its connection still answers; a connection that does not
	// answer within ProbeTimeout counts as lost. Zero means 5 s and 2 s.
	Probe, ProbeTimeout time.Duration

	mu  sync.Mutex // guards pub
	pub *pgx.Conn

	stop context.CancelFunc
	done chan struct{}
}

// NewPostgresNotifier returns a notifier for the database cfg connects
// to (postgres.ConnConfig).
func NewPostgresNotifier(cfg *pgx.ConnConfig, log *slog.Logger) *PostgresNotifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &PostgresNotifier{cfg: cfg, log: log}
}

// Publish sends msg to every listening process, reconnecting once if the
// publishing connection was lost.
func (n *PostgresNotifier) Publish(ctx context.Context, msg string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	n.mu.Lock()
	defer n.mu.Unlock()
	var err error
	for range 2 {
		if n.pub == nil || n.pub.IsClosed() {
			if n.pub, err = pgx.ConnectConfig(ctx, n.cfg.Copy()); err != nil {
				n.pub = nil
				return err
			}
		}
		if _, err = n.pub.Exec(ctx, "SELECT pg_notify($1, $2)", Channel, msg); err == nil {
			return nil
		}
		_ = n.pub.Close(context.Background())
		n.pub = nil
	}
	return err
}

// Start listens in the background and hands every message to s, turning
// s's cache on while listening and off while not. Close stops it.
func (n *PostgresNotifier) Start(s *Store) {
	ctx, cancel := context.WithCancel(context.Background())
	n.stop, n.done = cancel, make(chan struct{})
	go func() {
		defer close(n.done)
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			heard, err := n.listen(ctx, s)
			s.Listening(false)
			if ctx.Err() != nil {
				return
			}
			if heard {
				backoff = 100 * time.Millisecond
			}
			n.log.Warn("cache: not hearing other processes' changes; serving every read from the database until listening again",
				"err", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}()
}

// listen runs one listening connection until it fails; heard reports
// whether it got as far as listening.
func (n *PostgresNotifier) listen(ctx context.Context, s *Store) (heard bool, err error) {
	probe, probeTimeout := n.Probe, n.ProbeTimeout
	if probe <= 0 {
		probe = 5 * time.Second
	}
	if probeTimeout <= 0 {
		probeTimeout = 2 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, n.cfg.Copy())
	cancel()
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	cctx, cancel = context.WithTimeout(ctx, probeTimeout)
	_, err = conn.Exec(cctx, "LISTEN "+Channel)
	cancel()
	if err != nil {
		return false, err
	}
	s.Listening(true)
	for {
		wctx, cancel := context.WithTimeout(ctx, probe)
		note, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			s.Receive(note.Payload)
			continue
		case ctx.Err() != nil:
			return true, ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return true, err
		}
		// Quiet for a while: make sure the connection is still there.
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return true, err
		}
	}
}

// Close stops listening and closes both connections.
func (n *PostgresNotifier) Close() {
	if n.stop != nil {
		n.stop()
		<-n.done
	}
	n.mu.Lock()
	if n.pub != nil {
		_ = n.pub.Close(context.Background())
		n.pub = nil
	}
	n.mu.Unlock()
}
