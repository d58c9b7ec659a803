//go:build !linux

package main

import (
	"fmt"
	"os"
)

// The load generator reads the server's CPU time and memory from /proc.
func main() {
	fmt.Fprintln(os.Stderr, "bench/load runs on Linux only: it reads server figures from /proc")
	os.Exit(2)
}
