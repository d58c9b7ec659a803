// Package realmimport reads the Keycloak realm files given to
// --import-realm: one JSON file, or a directory of them as Keycloak's
// "kc.sh export --dir" writes it (<realm>-realm.json plus
// <realm>-users-<n>.json). It resolves ${ENV} placeholders, decodes the
// files into kcrep representations and checks everything that would
// otherwise fail half-way through an import, reporting every problem of
// every file at once, each with its file and JSON location. It writes
// nothing: applying the realms is the caller's job.
package realmimport

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/internal/kcrep"
)

// File is one realm read from an import file.
type File struct {
	// Path is the file the realm came from (its <realm>-realm.json when
	// users files were merged into it).
	Path  string
	Realm kcrep.RealmRepresentation
}

// Error is one problem in one file. Line and Column are set for malformed
// JSON; Location (such as "clients[2].redirectUris") for the others.
type Error struct {
	Path     string
	Line     int
	Column   int
	Location string
	Msg      string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Location != "" {
		b.WriteString(e.Location + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// locError is a problem at a JSON location, before the file is known.
type locError struct{ loc, msg string }

// usersFileName matches the users files of a directory export.
var usersFileName = regexp.MustCompile(`^(.+)-(federated-)?users-(\d+)\.json$`)

// Load reads the realm file at path, or every regular *.json file of the
// directory at path (not its subdirectories) in name order. getenv looks up
// the ${ENV} placeholders; pass a wrapper of os.LookupEnv. On any problem it
// returns no files and all the problems joined, each an *Error.
func Load(path string, getenv func(string) (string, bool)) ([]File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, &Error{Path: path, Msg: errMsg(err)}
	}
	paths := []string{path}
	if info.IsDir() {
		if paths, err = jsonFiles(path); err != nil {
			return nil, &Error{Path: path, Msg: errMsg(err)}
		}
	}

	var errs []error
	var realms []*realmDoc
	var users []*realmDoc
	broken := map[string]bool{} // realms whose file failed; already reported
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, &Error{Path: p, Msg: errMsg(err)})
			continue
		}
		docs, fileErrs := parseFile(p, data, getenv)
		errs = append(errs, fileErrs...)
		if len(fileErrs) > 0 {
			for _, name := range realmNames(data) {
				broken[name] = true
			}
		}
		if usersFileName.MatchString(filepath.Base(p)) {
			users = append(users, docs...)
		} else {
			realms = append(realms, docs...)
		}
	}

	byName := map[string]*realmDoc{}
	for _, d := range realms {
		if first, dup := byName[d.rep.Realm]; dup {
			errs = append(errs, &Error{Path: d.path, Location: d.at("realm"),
				Msg: fmt.Sprintf("realm %q is already defined in %s", d.rep.Realm, first.path)})
			continue
		}
		byName[d.rep.Realm] = d
	}
	sortUsersFiles(users)
	for _, u := range users {
		target := byName[u.rep.Realm]
		if target == nil && broken[u.rep.Realm] {
			continue
		}
		if target == nil {
			errs = append(errs, &Error{Path: u.path, Location: u.at("realm"),
				Msg: fmt.Sprintf("users file for realm %q, but no file defines that realm", u.rep.Realm)})
			continue
		}
		target.merge(u)
	}
	for _, d := range realms {
		if byName[d.rep.Realm] == d {
			errs = append(errs, validate(d)...)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	files := make([]File, 0, len(realms))
	for _, d := range realms {
		files = append(files, File{Path: d.path, Realm: d.rep})
	}
	return files, nil
}

// jsonFiles lists the regular *.json files of dir in name order. Symbolic
// links are followed (a Kubernetes ConfigMap volume is made of them).
func jsonFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	return out, nil
}

// sortUsersFiles puts users files in realm, then numeric part order, so that
// realm-users-10.json follows realm-users-9.json.
func sortUsersFiles(docs []*realmDoc) {
	key := func(d *realmDoc) (string, int) {
		m := usersFileName.FindStringSubmatch(filepath.Base(d.path))
		n, _ := strconv.Atoi(m[3])
		return m[1] + "\x00" + m[2], n
	}
	sort.SliceStable(docs, func(i, j int) bool {
		ai, an := key(docs[i])
		bi, bn := key(docs[j])
		if ai != bi {
			return ai < bi
		}
		return an < bn
	})
}

// errMsg drops the path that os errors repeat, since Error carries it.
func errMsg(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
