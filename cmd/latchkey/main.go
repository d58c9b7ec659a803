// Command latchkey runs the latchkey identity server. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/latchkey/latchkey/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
