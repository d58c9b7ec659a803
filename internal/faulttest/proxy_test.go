package faulttest_test

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// proxy forwards TCP connections from a loopback port to target, and fails
// the way a database server or network does when told to.
type proxy struct {
	t      *testing.T
	target string
	Addr   string

	mu     sync.Mutex
	ln     net.Listener // nil while refusing
	gate   chan struct{}
	open   bool // gate is closed: bytes flow
	pairs  map[*pair]struct{}
	closed bool
	wg     sync.WaitGroup
}

// pair is one proxied connection.
type pair struct {
	client net.Conn
	once   sync.Once
	done   chan struct{}

	mu     sync.Mutex
	server net.Conn
}

func (p *pair) close() {
	p.once.Do(func() {
		close(p.done)
		_ = p.client.Close()
		p.mu.Lock()
		if p.server != nil {
			_ = p.server.Close()
		}
		p.mu.Unlock()
	})
}

// newProxy listens on a loopback port and forwards to target until the
// test ends.
func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, target: target, Addr: ln.Addr().String(), ln: ln,
		gate: make(chan struct{}), open: true, pairs: map[*pair]struct{}{}}
	close(p.gate)
	p.serve(ln)
	t.Cleanup(p.shutdown)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.handle(c)
		}
	}()
}

// handle connects c to the target once bytes may flow: a connection
// accepted during a blackhole waits, unanswered.
func (p *proxy) handle(c net.Conn) {
	pr := &pair{client: c, done: make(chan struct{})}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		_ = c.Close()
		return
	}
	p.pairs[pr] = struct{}{}
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer p.forget(pr)
		if !p.wait(pr) {
			return
		}
		s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			pr.close()
			return
		}
		pr.mu.Lock()
		pr.server = s
		pr.mu.Unlock()
		select {
		case <-pr.done: // cut while dialling
			_ = s.Close()
			return
		default:
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); p.pipe(pr, c, s) }()
		go func() { defer wg.Done(); p.pipe(pr, s, c) }()
		wg.Wait()
	}()
}

// pipe copies src to dst, holding each chunk while the gate is shut.
func (p *proxy) pipe(pr *pair, src, dst net.Conn) {
	defer pr.close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait(pr) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				p.t.Logf("proxy: %v", err)
			}
			return
		}
	}
}

// wait blocks while the gate is shut; false when pr was cut meanwhile.
func (p *proxy) wait(pr *pair) bool {
	p.mu.Lock()
	g := p.gate
	p.mu.Unlock()
	select {
	case <-g:
		return true
	case <-pr.done:
		return false
	}
}

func (p *proxy) forget(pr *pair) {
	pr.close()
	p.mu.Lock()
	delete(p.pairs, pr)
	p.mu.Unlock()
}

// Cut closes every proxied connection, both ends, as a database restart
// or a reset does. New connections are still forwarded.
func (p *proxy) Cut() {
	p.mu.Lock()
	prs := make([]*pair, 0, len(p.pairs))
	for pr := range p.pairs {
		prs = append(prs, pr)
	}
	p.mu.Unlock()
	for _, pr := range prs {
		pr.close()
	}
}

// Refuse cuts every connection and closes the port, so that new
// connections are refused, as with a stopped database.
func (p *proxy) Refuse() {
	p.mu.Lock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	p.mu.Unlock()
	p.Cut()
}

// Blackhole stops every byte: established connections stay open but hear
// nothing more, and new ones are accepted and never answered, as with a
// hung server or a network that drops packets.
func (p *proxy) Blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.open {
		p.gate, p.open = make(chan struct{}), false
	}
}

// Forward lets bytes flow again (held ones are delivered) and listens
// again if the port was closed.
func (p *proxy) Forward() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.open {
		close(p.gate)
		p.open = true
	}
	if p.ln == nil {
		var err error
		for range 50 {
			var ln net.Listener
			if ln, err = net.Listen("tcp", p.Addr); err == nil {
				p.ln = ln
				p.serve(ln)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		p.t.Fatalf("proxy: listening again on %s: %v", p.Addr, err)
	}
}

func (p *proxy) shutdown() {
	p.mu.Lock()
	p.closed = true
	if p.ln != nil {
		_ = p.ln.Close()
	}
	if !p.open {
		close(p.gate)
		p.open = true
	}
	p.mu.Unlock()
	p.Cut()
	p.wg.Wait()
}
