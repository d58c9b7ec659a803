//go:build linux

package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// server is one latchkey start-dev process on loopback.
type server struct {
	cmd  *exec.Cmd
	base string
	log  bytes.Buffer
	// ready is the time from starting the process to the first 200 from
	// /health/ready.
	ready time.Duration
}

// buildLatchkey builds ./cmd/latchkey into dir and returns the binary.
func buildLatchkey(dir string) (string, error) {
	bin := filepath.Join(dir, "latchkey")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/latchkey")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building latchkey: %w", err)
	}
	return bin, nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startServer starts bin start-dev on dataDir with GOMAXPROCS procs,
// importing realmFile (a file or a directory) when it is not empty, with
// extra options (--db postgres, --argon2-memory ...), and waits until it
// is ready (at most 60 s: a start on a million users included).
func startServer(bin, dataDir, realmFile string, procs int, extra ...string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"start-dev", "--data-dir", dataDir, "--http-host", "127.0.0.1",
		"--http-port", strconv.Itoa(port), "--log-level", "warn"}
	if realmFile != "" {
		args = append(args, "--import-realm", realmFile)
	}
	args = append(args, extra...)
	s := &server{base: "http://127.0.0.1:" + strconv.Itoa(port)}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(procs))
	// If this program dies, the server it started goes too.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(exited) }()
	for time.Since(start) < 60*time.Second {
		select {
		case <-exited:
			return nil, fmt.Errorf("latchkey exited before it was ready: %s", s.log.String())
		default:
		}
		resp, err := client.Get(s.base + "/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.ready = time.Since(start)
				return s, nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("latchkey not ready after 60 s: %s", s.log.String())
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM to the process this program started and waits for
// it to go (SIGKILL after 10 s).
func (s *server) stop() {
	p := s.cmd.Process
	_ = p.Signal(syscall.SIGTERM)
	for i := 0; i < 1000; i++ {
		if p.Signal(syscall.Signal(0)) != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = p.Kill()
}
