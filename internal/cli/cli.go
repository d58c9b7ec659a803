package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/config"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=...".
var Version = ""

// Exit codes.
const (
	ExitOK     = 0
	ExitError  = 1
	ExitConfig = 2
)

// Env looks up an environment variable.
type Env func(string) (string, bool)

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) int {
	root := newRoot(ctx, env, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	switch {
	case err == nil:
		return ExitOK
	case config.IsConfigError(err):
		fmt.Fprintln(stderr, err)
		return ExitConfig
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, err)
		return ExitConfig
	default:
		fmt.Fprintln(stderr, "latchkey:", err)
		return ExitError
	}
}

var errUsage = errors.New("usage")

func newRoot(ctx context.Context, env Env, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "latchkey",
		Short:         "A light, Keycloak-compatible identity server with a JSON self-registration API",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return fmt.Errorf("%w: %w", errUsage, err)
	})
	root.AddCommand(
		serverCommand(ctx, config.Dev, env, stderr),
		serverCommand(ctx, config.Prod, env, stderr),
		exportCommand(ctx, env, stderr),
		importCommand(ctx, env, stderr),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				fmt.Fprintln(cmd.OutOrStdout(), "latchkey", version())
				return nil
			},
		},
	)
	return root
}

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func serverCommand(ctx context.Context, mode config.Mode, env Env, stderr io.Writer) *cobra.Command {
	cfg := config.Default(mode)
	cmd := &cobra.Command{Args: cobra.NoArgs}
	if mode == config.Dev {
		cmd.Use = "start-dev"
		cmd.Short = "Start in development mode: embedded SQLite under --data-dir, admin/admin unless set"
	} else {
		cmd.Use = "start"
		cmd.Short = "Start in production mode: --db, --hostname and (on a first start) a bootstrap admin password are required"
	}
	f := cmd.Flags()
	f.StringVar(&cfg.HTTPHost, "http-host", cfg.HTTPHost, "address to listen on")
	f.IntVar(&cfg.HTTPPort, "http-port", cfg.HTTPPort, "HTTP port")
	f.StringVar(&cfg.Hostname, "hostname", cfg.Hostname, "public base URL used in issued URLs (start-dev: the request's host)")
	f.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory for the embedded SQLite database and other data")
	f.StringVar(&cfg.DB, "db", cfg.DB, "database: sqlite or postgres")
	f.StringVar(&cfg.DBURL, "db-url", cfg.DBURL, "postgres://user@host:5432/db, or a SQLite file path")
	f.StringVar(&cfg.ProxyHeaders, "proxy-headers", cfg.ProxyHeaders, "forwarding headers a trusted reverse proxy sets: xforwarded or forwarded (default: trust none)")
	f.StringVar(&cfg.ImportRealm, "import-realm", cfg.ImportRealm, "Keycloak realm JSON file, or directory of *.json, imported at start")
	f.StringVar(&cfg.MailTemplatesDir, "mail-templates-dir", cfg.MailTemplatesDir, "directory of mail templates overriding the built-in ones by file name (verify-email.txt.tmpl ...)")
	f.StringVar(&cfg.BootstrapAdminUsername, "bootstrap-admin-username", cfg.BootstrapAdminUsername, "master realm admin created on a first start")
	f.StringVar(&cfg.BootstrapAdminPassword, "bootstrap-admin-password", cfg.BootstrapAdminPassword, "its password (required by start on a first start)")
	f.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	f.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "text or json")
	f.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "how long in-flight requests may finish on SIGTERM")
	f.DurationVar(&cfg.ReadHeaderTimeout, "http-read-header-timeout", cfg.ReadHeaderTimeout, "how long a client may take to send a request's headers")
	f.DurationVar(&cfg.ReadTimeout, "http-read-timeout", cfg.ReadTimeout, "how long a client may take to send a whole request, body included")
	f.DurationVar(&cfg.WriteTimeout, "http-write-timeout", cfg.WriteTimeout, "how long writing a response may take, from the end of the request's headers")
	f.DurationVar(&cfg.IdleTimeout, "http-idle-timeout", cfg.IdleTimeout, "how long an idle keep-alive connection stays open")
	f.BoolVar(&cfg.SQLiteDurable, "sqlite-durable-commits", cfg.SQLiteDurable, "SQLite: every commit waits for the disk (synchronous=FULL), so acknowledged writes survive a power loss (default: on under start, off under start-dev)")
	f.StringVar(&cfg.SecretsKeyFile, "secrets-key-file", cfg.SecretsKeyFile, "file holding the key (openssl rand -base64 32) that encrypts client secrets and SMTP passwords in the database (default: <data-dir>/secrets.key on SQLite, made on first start; none on PostgreSQL)")
	f.DurationVar(&cfg.CacheTTL, "cache-ttl", cfg.CacheTTL, "how long cached realms, clients and role mappings are served before being read again; writes drop them at once in every process; 0 turns the cache off")
	f.IntVar(&cfg.Argon2MemoryKiB, "argon2-memory", cfg.Argon2MemoryKiB, "argon2id memory of new password hashes in KiB (default 7168, Keycloak's; OWASP: 19456)")
	f.IntVar(&cfg.Argon2Iterations, "argon2-iterations", cfg.Argon2Iterations, "argon2id iterations of new password hashes (default 5; a realm's hashIterations policy replaces it)")
	f.IntVar(&cfg.Argon2Parallelism, "argon2-parallelism", cfg.Argon2Parallelism, "argon2id lanes of new password hashes (default 1)")
	f.StringVar(&cfg.PprofAddr, "debug-pprof-addr", cfg.PprofAddr, "serve Go's profiler (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060 (default: off)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags(), env); err != nil {
			return err
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		return app.Run(ctx, cfg, newLogger(cfg, stderr))
	}
	return cmd
}

// applyEnv sets every flag not given on the command line from its
// LATCHKEY_ variable, reporting every malformed value at once.
func applyEnv(fs *pflag.FlagSet, env Env) error {
	var problems []config.Problem
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" {
			return
		}
		v, ok := env(config.EnvName(f.Name))
		if !ok {
			return
		}
		if err := f.Value.Set(strings.TrimSpace(v)); err != nil {
			problems = append(problems, config.Problem{Option: f.Name,
				Msg: fmt.Sprintf("invalid value %q in the environment: %v", v, unwrapParse(err))})
		}
	})
	if len(problems) > 0 {
		return &config.Error{Problems: problems}
	}
	return nil
}

func unwrapParse(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
