package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/export"
)

// dbFlags adds the options that say which database to use, as start-dev
// and start name them (the defaults are start-dev's: SQLite under ./data).
func dbFlags(f *pflag.FlagSet, cfg *config.Config) {
	f.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory of the embedded SQLite database")
	f.StringVar(&cfg.DB, "db", cfg.DB, "database: sqlite or postgres")
	f.StringVar(&cfg.DBURL, "db-url", cfg.DBURL, "postgres://user@host:5432/db, or a SQLite file path")
	f.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	f.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "text or json")
}

// isTerminal reports whether w is a character device (a terminal), where
// progress lines belong.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func progressFor(stderr io.Writer) *export.Progress {
	if isTerminal(stderr) {
		return export.NewProgress(stderr)
	}
	return export.NewProgress(nil)
}

// fileOrDir checks that exactly one of --file and --dir is given.
func fileOrDir(file, dir string) error {
	if (file == "") == (dir == "") {
		return fmt.Errorf("%w: give exactly one of --file and --dir", errUsage)
	}
	return nil
}

func exportCommand(ctx context.Context, env Env, stderr io.Writer) *cobra.Command {
	cfg := config.Default(config.Dev)
	var file, dir string
	opts := export.Options{Users: export.UsersDifferentFiles, UsersPerFile: 50}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export realms in Keycloak's format (kc.sh export): --file F or --dir D [--realm R] [--users ...]",
		Args:  cobra.NoArgs,
	}
	f := cmd.Flags()
	dbFlags(f, &cfg)
	f.StringVar(&file, "file", "", "write one JSON file: the realm, or an array of every realm without --realm")
	f.StringVar(&dir, "dir", "", "write <realm>-realm.json and <realm>-users-<n>.json files into this directory")
	f.StringVar(&opts.Realm, "realm", "", "the realm to export (default: every realm)")
	f.StringVar(&opts.Users, "users", opts.Users, "with --dir: realm_file, same_file, different_files or skip")
	f.IntVar(&opts.UsersPerFile, "users-per-file", opts.UsersPerFile, "users per file with --users different_files")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags(), env); err != nil {
			return err
		}
		if err := fileOrDir(file, dir); err != nil {
			return err
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		if cfg.DB == config.DBSQLite {
			if _, err := os.Stat(cfg.SQLitePath()); err != nil {
				return fmt.Errorf("no database at %s (--data-dir, --db-url): %w", cfg.SQLitePath(), err)
			}
		}
		log := newLogger(cfg, stderr)
		off, err := app.OpenOffline(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer off.Close()
		opts.Progress = progressFor(stderr)
		start := time.Now()
		var sums []export.RealmSummary
		if file != "" {
			if opts.Users != export.UsersSkip {
				opts.Users = export.UsersRealmFile
			}
			sums, err = export.ToFile(ctx, off.Store, file, opts)
		} else {
			sums, err = export.ToDir(ctx, off.Store, dir, opts)
		}
		users := 0
		for _, s := range sums {
			users += s.Users
			fmt.Fprintf(stderr, "export: realm %s: %d clients, %d roles, %d users, %d files\n",
				s.Realm, s.Clients, s.Roles, s.Users, len(s.Files))
		}
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(stderr, "export done: %d realms, %d users in %s%s\n", len(sums), users,
			time.Since(start).Round(time.Millisecond), rate(users, time.Since(start)))
		return nil
	}
	return cmd
}

func rate(n int, d time.Duration) string {
	if n == 0 || d <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%.0f users/s)", float64(n)/d.Seconds())
}

// boolArg is a true|false option that takes its value as the next
// argument, as Keycloak's --override true does.
type boolArg struct{ v *bool }

func (b boolArg) String() string {
	if b.v == nil {
		return "false"
	}
	return strconv.FormatBool(*b.v)
}

func (b boolArg) Set(s string) error {
	v, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return errors.New("must be true or false")
	}
	*b.v = v
	return nil
}

func (b boolArg) Type() string { return "true|false" }

func importCommand(ctx context.Context, env Env, stderr io.Writer) *cobra.Command {
	cfg := config.Default(config.Dev)
	var file, dir string
	opts := export.ImportOptions{BatchSize: 1000}
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import realms from a Keycloak export (kc.sh import): --file F or --dir D [--override true]",
		Args:  cobra.NoArgs,
	}
	f := cmd.Flags()
	dbFlags(f, &cfg)
	f.StringVar(&file, "file", "", "a realm JSON file (one realm, or an array of realms)")
	f.StringVar(&dir, "dir", "", "a directory of <realm>-realm.json and <realm>-users-<n>.json files")
	f.Var(boolArg{&opts.Override}, "override", "true: replace realms that exist; false: skip them")
	f.IntVar(&opts.BatchSize, "batch-size", opts.BatchSize, "users written per transaction")
	f.StringVar(&cfg.BootstrapAdminUsername, "bootstrap-admin-username", cfg.BootstrapAdminUsername, "master realm admin, created when the database has no master realm yet")
	f.StringVar(&cfg.BootstrapAdminPassword, "bootstrap-admin-password", cfg.BootstrapAdminPassword, "its password (required when the database has no master realm yet)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags(), env); err != nil {
			return err
		}
		if err := fileOrDir(file, dir); err != nil {
			return err
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		if opts.BatchSize < 1 {
			return &config.Error{Problems: []config.Problem{{Option: "batch-size", Msg: "must be at least 1"}}}
		}
		log := newLogger(cfg, stderr)
		off, err := app.OpenOffline(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer off.Close()
		if err := ensureMaster(ctx, off, cfg); err != nil {
			return err
		}
		opts.Progress = progressFor(stderr)
		opts.Log = log
		path := file
		if path == "" {
			path = dir
		}
		start := time.Now()
		sums, err := export.Import(ctx, off.Realms, path, opts)
		users, created, skipped := 0, 0, 0
		for _, s := range sums {
			switch s.Action {
			case export.Skipped:
				skipped++
				fmt.Fprintf(stderr, "import: realm %s skipped: %s\n", s.Realm, s.Reason)
			case export.Created, export.Overridden:
				created++
				users += s.Users
				fmt.Fprintf(stderr, "import: realm %s %s with %d users\n", s.Realm, s.Action, s.Users)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "import failed after %d realms imported, %d skipped, %d users in %s\n",
				created, skipped, users, time.Since(start).Round(time.Millisecond))
			return fmt.Errorf("import: %w", err)
		}
		fmt.Fprintf(stderr, "import done: %d realms imported, %d skipped, %d users in %s%s\n",
			created, skipped, users, time.Since(start).Round(time.Millisecond), rate(users, time.Since(start)))
		return nil
	}
	return cmd
}

// ensureMaster creates the master realm on a database that has none, from
// the bootstrap admin options: every other realm needs it.
func ensureMaster(ctx context.Context, off *app.Offline, cfg config.Config) error {
	ok, err := off.Realms.MasterExists(ctx)
	if err != nil || ok {
		return err
	}
	if cfg.BootstrapAdminPassword == "" {
		return &config.Error{Problems: []config.Problem{{Option: "bootstrap-admin-password",
			Msg: "is required: the database has no master realm yet, and import creates it"}}}
	}
	_, err = off.Realms.EnsureMaster(ctx, cfg.BootstrapAdminUsername, cfg.BootstrapAdminPassword)
	return err
}
