//go:build linux

package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// profileHashShare takes a CPU profile of the server for seconds through
// its --debug-pprof-addr listener and returns the share of its samples
// spent in argon2 (golang.org/x/crypto/argon2, cumulative): the share of
// the server's CPU that went into hashing under the run's own conditions.
// It runs alongside a load run; an error returns 0.
func profileHashShare(pprofAddr string, seconds int) (float64, error) {
	client := &http.Client{Timeout: time.Duration(seconds+30) * time.Second}
	resp, err := client.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", pprofAddr, seconds))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	f, err := os.CreateTemp("", "latchkey-cpu-*.pprof")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return 0, err
	}
	f.Close()
	out, err := exec.Command("go", "tool", "pprof", "-top", "-cum", "-nodecount=400", f.Name()).Output()
	if err != nil {
		return 0, fmt.Errorf("go tool pprof: %w", err)
	}
	return argon2Share(string(out)), nil
}

// argon2Share reads `go tool pprof -top -cum` output and returns the
// largest cumulative share of a golang.org/x/crypto/argon2 function
// (the outermost one, IDKey or Key, holds the whole hash).
func argon2Share(top string) float64 {
	best := 0.0
	for _, line := range strings.Split(top, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasPrefix(f[5], "golang.org/x/crypto/argon2.") {
			continue
		}
		// flat flat% sum% cum cum% name
		if v, err := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64); err == nil && v/100 > best {
			best = v / 100
		}
	}
	return best
}
