package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Users export strategies, Keycloak's --users values.
const (
	UsersRealmFile      = "realm_file"
	UsersSameFile       = "same_file"
	UsersDifferentFiles = "different_files"
	UsersSkip           = "skip"
)

// Options say what to export and how.
type Options struct {
	// Realm is the realm to export; "" exports every realm.
	Realm string
	// Users is a Users* strategy (directory exports; a file export writes
	// users into the file unless Users is UsersSkip). Default
	// UsersDifferentFiles.
	Users string
	// UsersPerFile is the number of users per users file with
	// UsersDifferentFiles; default 50.
	UsersPerFile int
	// PageSize is how many users are read from the store at once; default 500.
	PageSize int
	// Progress, when set, counts users as they are written.
	Progress *Progress
}

// RealmSummary is what was exported of one realm.
type RealmSummary struct {
	Realm   string
	Clients int
	Roles   int
	Users   int
	Files   []string
}

func (o *Options) defaults() error {
	if o.Users == "" {
		o.Users = UsersDifferentFiles
	}
	switch o.Users {
	case UsersRealmFile, UsersSameFile, UsersDifferentFiles, UsersSkip:
	default:
		return fmt.Errorf("--users must be realm_file, same_file, different_files or skip, got %q", o.Users)
	}
	if o.UsersPerFile == 0 {
		o.UsersPerFile = 50
	}
	if o.UsersPerFile < 1 {
		return errors.New("--users-per-file must be greater than 0")
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	return nil
}

// realms returns the realms to export: the named one, or all by name.
func realms(ctx context.Context, st store.Store, name string) ([]model.Realm, error) {
	if name == "" {
		return st.ListRealms(ctx)
	}
	r, err := st.GetRealmByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("realm %q not found", name)
	}
	if err != nil {
		return nil, err
	}
	return []model.Realm{*r}, nil
}

// ToFile writes one file, as "kc.sh export --file" does: the realm object
// when opts.Realm is set, otherwise an array of every realm. Users are
// written inside their realm unless opts.Users is UsersSkip. The file is
// written beside path and renamed into place once complete.
func ToFile(ctx context.Context, st store.Store, path string, opts Options) ([]RealmSummary, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	list, err := realms(ctx, st, opts.Realm)
	if err != nil {
		return nil, err
	}
	var sums []RealmSummary
	err = writeAtomically(path, func(w *bufio.Writer) error {
		indent := ""
		if opts.Realm == "" {
			indent = "  "
			w.WriteString("[")
		}
		for i := range list {
			if opts.Realm == "" {
				if i > 0 {
					w.WriteString(",")
				}
				w.WriteString("\n" + indent)
			}
			sum, err := writeRealm(ctx, st, w, &list[i], indent, opts.Users != UsersSkip, opts)
			if err != nil {
				return err
			}
			sum.Files = []string{path}
			sums = append(sums, sum)
		}
		if opts.Realm == "" {
			w.WriteString("\n]")
		}
		w.WriteString("\n")
		return nil
	})
	return sums, err
}

// ToDir writes <realm>-realm.json for each realm into dir (created when
// missing) and, with UsersSameFile or UsersDifferentFiles, the users into
// <realm>-users-<n>.json files of {"realm","users"}, as "kc.sh export --dir"
// does. A realm without users gets no users file.
func ToDir(ctx context.Context, st store.Store, dir string, opts Options) ([]RealmSummary, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	list, err := realms(ctx, st, opts.Realm)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var sums []RealmSummary
	for i := range list {
		r := &list[i]
		path := filepath.Join(dir, r.Name+"-realm.json")
		var sum RealmSummary
		err := writeAtomically(path, func(w *bufio.Writer) error {
			var err error
			sum, err = writeRealm(ctx, st, w, r, "", opts.Users == UsersRealmFile, opts)
			w.WriteString("\n")
			return err
		})
		if err != nil {
			return sums, err
		}
		sum.Files = []string{path}
		if err := removeUsersFiles(dir, r.Name); err != nil {
			return sums, err
		}
		if opts.Users == UsersSameFile || opts.Users == UsersDifferentFiles {
			files, n, err := writeUsersFiles(ctx, st, dir, r, opts)
			if err != nil {
				return sums, err
			}
			sum.Users = n
			sum.Files = append(sum.Files, files...)
		}
		sums = append(sums, sum)
	}
	return sums, nil
}

// removeUsersFiles deletes the users files a previous export of the realm
// left in dir, which an import would otherwise read with the new ones.
func removeUsersFiles(dir, realm string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	prefix := realm + "-users-"
	for _, e := range entries {
		name := e.Name()
		num, ok := strings.CutSuffix(strings.TrimPrefix(name, prefix), ".json")
		if !strings.HasPrefix(name, prefix) || !ok || num == "" || strings.Trim(num, "0123456789") != "" {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// writeAtomically writes path through a temporary file in the same
// directory, renamed into place when fn succeeds and removed otherwise.
func writeAtomically(path string, fn func(w *bufio.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	err = fn(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Chmod(0o600)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

// writeRealm writes realm r as one JSON object; with users, the users array
// is streamed into it, one page of the store at a time.
func writeRealm(ctx context.Context, st store.Store, w *bufio.Writer, r *model.Realm, indent string, users bool, opts Options) (RealmSummary, error) {
	d, clients, err := loadRealmData(ctx, st, r)
	if err != nil {
		return RealmSummary{}, err
	}
	rep, err := realmRep(ctx, st, d, clients)
	if err != nil {
		return RealmSummary{}, err
	}
	sum := RealmSummary{Realm: r.Name, Clients: len(rep.Clients), Roles: len(rep.Roles.Realm)}
	for _, rs := range rep.Roles.Client {
		sum.Roles += len(rs)
	}
	head, err := json.MarshalIndent(rep, indent, "  ")
	if err != nil {
		return sum, err
	}
	if !users {
		_, err := w.Write(head)
		return sum, err
	}
	// Reopen the object to append the users array.
	head = bytes.TrimRight(bytes.TrimSuffix(head, []byte("}")), " \n")
	w.Write(head)
	w.WriteString(",\n" + indent + `  "users": [`)
	n, err := streamUsers(ctx, st, d, opts, w, indent+"    ", nil)
	sum.Users = n
	if err != nil {
		return sum, err
	}
	if n > 0 {
		w.WriteString("\n" + indent + "  ")
	}
	_, err = w.WriteString("]\n" + indent + "}")
	return sum, err
}

// streamUsers writes the realm's users, comma-separated, each on a new line
// at indent. next, when set, is called before each user and may switch the
// writer (users files); it returns the writer to use and whether the user
// starts a new array.
func streamUsers(ctx context.Context, st store.Store, d *realmData, opts Options, w io.Writer, indent string,
	next func(i int) (io.Writer, bool, error)) (int, error) {
	total, err := st.CountUsers(ctx, d.realm.ID, store.UserQuery{IncludeServiceAccounts: true})
	if err != nil {
		return 0, err
	}
	opts.Progress.Begin("export "+d.realm.Name, total)
	defer opts.Progress.End()
	n := 0
	first := true
	for {
		page, err := st.ListUsers(ctx, d.realm.ID, store.UserQuery{IncludeServiceAccounts: true,
			Page: store.Page{First: n, Max: opts.PageSize}})
		if err != nil {
			return n, err
		}
		for i := range page {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			ur, err := userRep(ctx, st, d, &page[i])
			if err != nil {
				return n, err
			}
			if next != nil {
				var fresh bool
				if w, fresh, err = next(n); err != nil {
					return n, err
				}
				if fresh {
					first = true
				}
			}
			b, err := json.MarshalIndent(ur, indent, "  ")
			if err != nil {
				return n, err
			}
			sep := ",\n"
			if first {
				sep = "\n"
			}
			first = false
			if _, err := io.WriteString(w, sep+indent); err != nil {
				return n, err
			}
			if _, err := w.Write(b); err != nil {
				return n, err
			}
			n++
			opts.Progress.Add(1)
		}
		if len(page) < opts.PageSize {
			return n, nil
		}
	}
}

// writeUsersFiles writes the realm's users into <realm>-users-<n>.json
// files: one file (UsersSameFile) or UsersPerFile users per file.
func writeUsersFiles(ctx context.Context, st store.Store, dir string, r *model.Realm, opts Options) ([]string, int, error) {
	d, _, err := loadRealmData(ctx, st, r)
	if err != nil {
		return nil, 0, err
	}
	var files []string
	var f *os.File
	var bw *bufio.Writer
	closeFile := func() error {
		if f == nil {
			return nil
		}
		bw.WriteString("\n  ]\n}\n")
		err := bw.Flush()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		f = nil
		return err
	}
	next := func(i int) (io.Writer, bool, error) {
		if f != nil && (opts.Users == UsersSameFile || i%opts.UsersPerFile != 0) {
			return bw, false, nil
		}
		if err := closeFile(); err != nil {
			return nil, false, err
		}
		path := filepath.Join(dir, r.Name+"-users-"+strconv.Itoa(len(files))+".json")
		var err error
		if f, err = os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600); err != nil {
			return nil, false, err
		}
		files = append(files, path)
		bw = bufio.NewWriterSize(f, 64<<10)
		name, _ := json.Marshal(r.Name)
		bw.WriteString("{\n  \"realm\": " + string(name) + ",\n  \"users\": [")
		return bw, true, nil
	}
	n, err := streamUsers(ctx, st, d, opts, nil, "    ", next)
	if cerr := closeFile(); err == nil {
		err = cerr
	}
	return files, n, err
}
