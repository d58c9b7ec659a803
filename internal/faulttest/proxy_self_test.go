package faulttest_test

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// The proxy does what the database tests rely on: it forwards, Cut ends
// established connections, Refuse refuses new ones, Blackhole answers
// nothing on either, and Forward restores all of it on the same port.
func TestProxy(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = echo.Close() })
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	p := newProxy(t, echo.Addr().String())

	dial := func() (net.Conn, error) { return net.DialTimeout("tcp", p.Addr, 2*time.Second) }
	// ask sends a line and reads the echo within wait.
	ask := func(c net.Conn, wait time.Duration) error {
		if _, err := c.Write([]byte("ping\n")); err != nil {
			return err
		}
		_ = c.SetReadDeadline(time.Now().Add(wait))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err == nil && line != "ping\n" {
			t.Fatalf("echo %q", line)
		}
		return err
	}
	c, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := ask(c, 5*time.Second); err != nil {
		t.Fatalf("forwarding: %v", err)
	}

	p.Cut()
	if err := ask(c, 5*time.Second); err == nil {
		t.Fatal("a cut connection still answers")
	}
	c2, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := ask(c2, 5*time.Second); err != nil {
		t.Fatalf("after a cut, a new connection: %v", err)
	}

	p.Blackhole()
	if err := ask(c2, 300*time.Millisecond); err == nil {
		t.Fatal("an established connection answers through the blackhole")
	}
	c3, err := dial()
	if err != nil {
		t.Fatalf("the blackhole refused a connection: %v", err)
	}
	defer c3.Close()
	if err := ask(c3, 300*time.Millisecond); err == nil {
		t.Fatal("a new connection answers through the blackhole")
	}

	p.Refuse()
	if c4, err := dial(); err == nil {
		c4.Close()
		t.Fatal("a connection was accepted while refusing")
	}

	p.Forward()
	c5, err := dial()
	if err != nil {
		t.Fatalf("after Forward: %v", err)
	}
	defer c5.Close()
	if err := ask(c5, 5*time.Second); err != nil {
		t.Fatalf("after Forward: %v", err)
	}
}
