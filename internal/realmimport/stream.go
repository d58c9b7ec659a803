package realmimport

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/latchkey/latchkey/internal/kcrep"
)

// Source is one realm of an import read without holding its users: Scan
// reads and checks everything once, keeping the realm without its users,
// and Users streams them from the files when they are written.
type Source struct {
	// Path is the file the realm came from.
	Path string
	// Realm is the realm without its users.
	Realm kcrep.RealmRepresentation
	// UserCount is the number of users of the realm across its files.
	UserCount int
	parts     []usersPart
}

// usersPart is a users array in a file: the realm object's at index in a
// file holding an array of realms, or the top-level object's (index -1).
type usersPart struct {
	path  string
	index int
}

// Scan reads the realm file at path, or the *.json files of the directory
// at path, as Load does, but one JSON value at a time: users are decoded,
// checked and counted, then dropped, so that files of any size can be
// read. ${ENV} placeholders are not resolved. Duplicate usernames are left
// to the database. On any problem it returns every problem found, each an
// *Error, and no sources.
func Scan(path string) ([]*Source, error) {
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
	type usersFile struct {
		path, realm string
		count       int
		refs        map[string]string
	}
	var errs []error
	var sources []*Source
	var docs []*realmDoc
	refs := map[*Source]map[string]string{}
	var usersFiles []*realmDoc
	usersMeta := map[*realmDoc]*usersFile{}
	for _, p := range paths {
		isUsers := usersFileName.MatchString(filepath.Base(p))
		objs, ferrs := scanFile(p)
		errs = append(errs, ferrs...)
		if len(ferrs) > 0 {
			continue
		}
		for _, o := range objs {
			if strings.TrimSpace(o.rep.Realm) == "" {
				errs = append(errs, &Error{Path: p, Location: o.at("realm"), Msg: "realm name is missing or empty"})
				continue
			}
			d := &realmDoc{path: p, prefix: o.prefix, rep: o.rep}
			if isUsers {
				usersFiles = append(usersFiles, d)
				usersMeta[d] = &usersFile{path: p, realm: o.rep.Realm, count: o.users, refs: o.refs}
				continue
			}
			s := &Source{Path: p, Realm: o.rep, UserCount: o.users}
			if o.users > 0 {
				s.parts = append(s.parts, usersPart{path: p, index: o.index})
			}
			sources = append(sources, s)
			docs = append(docs, d)
			refs[s] = o.refs
		}
	}
	byName := map[string]*Source{}
	var kept []*Source
	for i, s := range sources {
		if first, dup := byName[s.Realm.Realm]; dup {
			errs = append(errs, &Error{Path: s.Path, Location: docs[i].at("realm"),
				Msg: fmt.Sprintf("realm %q is already defined in %s", s.Realm.Realm, first.Path)})
			continue
		}
		byName[s.Realm.Realm] = s
		kept = append(kept, s)
		errs = append(errs, validate(docs[i])...)
	}
	sortUsersFiles(usersFiles)
	for _, d := range usersFiles {
		m := usersMeta[d]
		s := byName[m.realm]
		if s == nil {
			errs = append(errs, &Error{Path: m.path, Location: d.at("realm"),
				Msg: fmt.Sprintf("users file for realm %q, but no file defines that realm", m.realm)})
			continue
		}
		if m.count > 0 {
			s.parts = append(s.parts, usersPart{path: m.path, index: -1})
			s.UserCount += m.count
		}
		for id, loc := range m.refs {
			if _, seen := refs[s][id]; !seen {
				refs[s][id] = m.path + " " + loc
			}
		}
	}
	for _, s := range kept {
		known := map[string]bool{}
		for _, id := range builtinClients {
			known[id] = true
		}
		for _, c := range s.Realm.Clients {
			known[c.ClientID] = true
		}
		for _, id := range sortedKeys(refs[s]) {
			if !known[id] {
				errs = append(errs, &Error{Path: s.Path, Location: refs[s][id],
					Msg: fmt.Sprintf("users refer to client %q, which is neither in this realm nor built in", id)})
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return kept, nil
}

// Users calls fn for each user of the realm, in file order, with the file
// and the JSON location it came from. It stops at the first error.
func (s *Source) Users(ctx context.Context, fn func(u *kcrep.UserRepresentation, path, loc string) error) error {
	for _, part := range s.parts {
		f, err := os.Open(part.path)
		if err != nil {
			return &Error{Path: part.path, Msg: errMsg(err)}
		}
		err = walkFile(f, part.path, func(index int, prefix string, dec *json.Decoder) error {
			if index != part.index {
				// Another realm's users: read past them one by one.
				return eachUser(dec, func(json.RawMessage) error { return nil })
			}
			i := 0
			return eachUser(dec, func(raw json.RawMessage) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				var u kcrep.UserRepresentation
				loc := fmt.Sprintf("%susers[%d]", dotted(prefix), i)
				i++
				if err := json.Unmarshal(raw, &u); err != nil {
					return &Error{Path: part.path, Location: loc, Msg: err.Error()}
				}
				return fn(&u, part.path, loc)
			})
		}, nil)
		_ = f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func dotted(prefix string) string {
	if prefix == "" {
		return ""
	}
	return prefix + "."
}

// scanned is one realm object of a file, without its users.
type scanned struct {
	index  int // -1 for a top-level object
	prefix string
	rep    kcrep.RealmRepresentation
	users  int
	// refs are the clients the users refer to, with the first location.
	refs map[string]string
}

func (o *scanned) at(loc string) string {
	if o.prefix == "" {
		return loc
	}
	return o.prefix + "." + loc
}

// scanFile reads one file's realm objects, checking each user on the way.
func scanFile(path string) ([]*scanned, []error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, []error{&Error{Path: path, Msg: errMsg(err)}}
	}
	defer f.Close()
	var out []*scanned
	var errs []error
	var cur *scanned
	err = walkFile(f, path, func(index int, prefix string, dec *json.Decoder) error {
		i := 0
		return eachUser(dec, func(raw json.RawMessage) error {
			loc := fmt.Sprintf("%susers[%d]", dotted(prefix), i)
			i++
			cur.users++
			errs = append(errs, checkUser(path, loc, raw, cur.refs)...)
			return nil
		})
	}, func(index int, prefix string) *scanned {
		cur = &scanned{index: index, prefix: prefix, refs: map[string]string{}}
		out = append(out, cur)
		return cur
	})
	if err != nil {
		return nil, []error{err}
	}
	return out, errs
}

// checkUser decodes one user and checks what the database would not.
func checkUser(path, loc string, raw json.RawMessage, refs map[string]string) []error {
	var u kcrep.UserRepresentation
	if err := json.Unmarshal(raw, &u); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			where := locate(raw, te.Offset)
			if where != "" && !strings.HasPrefix(where, "[") {
				where = "." + where
			}
			return []error{&Error{Path: path, Location: loc + where, Msg: fmt.Sprintf("expected %s, found %s",
				describeType(te.Type), describeValue(te.Value))}}
		}
		return []error{&Error{Path: path, Location: loc, Msg: err.Error()}}
	}
	var errs []error
	if strings.TrimSpace(u.Username) == "" {
		errs = append(errs, &Error{Path: path, Location: loc + ".username", Msg: "username is missing or empty"})
	}
	if id := u.ServiceAccountClientID; id != "" {
		if _, ok := refs[id]; !ok {
			refs[id] = loc + ".serviceAccountClientId"
		}
	}
	for id := range u.ClientRoles {
		if _, ok := refs[id]; !ok {
			refs[id] = joinPath(loc+".clientRoles", id)
		}
	}
	for j, c := range u.Credentials {
		if c.Value == "" && c.SecretData == "" && c.HashedSaltedValue == "" {
			errs = append(errs, &Error{Path: path, Location: fmt.Sprintf("%s.credentials[%d]", loc, j),
				Msg: "credential has neither value nor secretData"})
		}
	}
	return errs
}

// walkFile reads a file holding a realm object or an array of them. For
// each object it calls begin (when set) and then, for the object's users
// array, onUsers with the decoder positioned inside the array; the other
// members are decoded into the object's representation (begin's result).
func walkFile(r io.Reader, path string, onUsers func(index int, prefix string, dec *json.Decoder) error,
	begin func(index int, prefix string) *scanned) error {
	br := bufio.NewReaderSize(r, 64<<10)
	dec := json.NewDecoder(br)
	fail := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			off := dec.InputOffset()
			if se != nil {
				off = se.Offset
			}
			line, col := lineColFile(path, off)
			return &Error{Path: path, Line: line, Column: col, Msg: "invalid JSON: " + err.Error()}
		}
		var e *Error
		if errors.As(err, &e) {
			return err
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return &Error{Path: path, Msg: err.Error()}
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(err)
	}
	object := func(index int, prefix string) error {
		var o *scanned
		if begin != nil {
			o = begin(index, prefix)
		}
		return readRealmObject(dec, path, prefix, o, func() error { return onUsers(index, prefix, dec) })
	}
	switch tok {
	case json.Delim('{'):
		err = object(-1, "")
	case json.Delim('['):
		for i := 0; err == nil && dec.More(); i++ {
			var t json.Token
			if t, err = dec.Token(); err == nil {
				if t != json.Delim('{') {
					err = &Error{Path: path, Location: fmt.Sprintf("[%d]", i), Msg: "expected a realm object"}
				} else {
					err = object(i, fmt.Sprintf("[%d]", i))
				}
			}
		}
		if err == nil {
			_, err = dec.Token()
		}
	default:
		return &Error{Path: path, Msg: "expected a realm object or an array of them"}
	}
	if err != nil {
		return fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Path: path, Msg: "invalid JSON: data after the end of the realm"}
	}
	return nil
}

// readRealmObject reads the members of an object whose '{' was read: users
// through onUsers, the others into o.rep (when o is set).
func readRealmObject(dec *json.Decoder, path, prefix string, o *scanned, onUsers func() error) error {
	members := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		if key == "users" {
			if err := onUsers(); err != nil {
				return err
			}
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if o != nil {
			members[key] = raw
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if o == nil {
		return nil
	}
	data, err := json.Marshal(members)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &o.rep); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &Error{Path: path, Location: o.at(locate(data, te.Offset)),
				Msg: fmt.Sprintf("expected %s, found %s", describeType(te.Type), describeValue(te.Value))}
		}
		return &Error{Path: path, Location: prefix, Msg: err.Error()}
	}
	return nil
}

// eachUser reads a users array (the decoder stands before its '[') one
// element at a time. null stands for no users.
func eachUser(dec *json.Decoder, fn func(raw json.RawMessage) error) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil
	}
	if t != json.Delim('[') {
		return fmt.Errorf("users: expected an array")
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if err := fn(raw); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

// lineColFile finds the line and column of a byte offset of a file.
func lineColFile(path string, offset int64) (int, int) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	line, col := 1, 1
	br := bufio.NewReader(f)
	for i := int64(0); i < offset; i++ {
		b, err := br.ReadByte()
		if err != nil {
			break
		}
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
