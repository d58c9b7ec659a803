package securitytest_test

import (
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
)

// A client that asks for responses and never reads them holds a server
// goroutine only until the write timeout: the server gives up writing and
// closes the connection, having sent far less than was asked for.
func TestWriteTimeoutCutsOffAClientThatDoesNotRead(t *testing.T) {
	const writeTimeout = 500 * time.Millisecond
	s := startServer(t, func(c *config.Config) { c.WriteTimeout = writeTimeout })

	// A small receive window, so the server's writes block soon.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// Pipelined requests whose answers add up to far more than the
	// socket buffers hold.
	const n = 4000
	req := "GET /realms/master/.well-known/openid-configuration HTTP/1.1\r\nHost: x\r\n\r\n"
	go func() { _, _ = io.WriteString(c, strings.Repeat(req, n)) }()

	// One answer's size, from a fresh connection.
	one := s.call("GET", "/realms/master/.well-known/openid-configuration", "", nil)
	if one.Status != 200 || len(one.Body) < 1000 {
		t.Fatalf("discovery: %d, %d bytes", one.Status, len(one.Body))
	}

	// Do not read for well past the write timeout, then drain: the server
	// must have closed the connection by then.
	time.Sleep(writeTimeout + 1500*time.Millisecond)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the connection was still open 10 s after draining began (%d bytes read)", got)
	}
	if want := int64(n * len(one.Body)); got >= want {
		t.Fatalf("the server wrote every answer (%d bytes) to a client that did not read", got)
	}
	t.Logf("the server wrote %d bytes of %d requested before its write timeout closed the connection",
		got, n*len(one.Body))
}
