package realmimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/latchkey/latchkey/internal/kcrep"
)

// realmDoc is one realm read from a file, with where each of its users came
// from once users files are merged in.
type realmDoc struct {
	path string
	// prefix locates the realm in its file: "" for a file holding one
	// realm object, "[i]" for a file holding an array of realms (a form
	// Keycloak's import also reads).
	prefix string
	rep    kcrep.RealmRepresentation
	users  []userSource
}

// userSource locates a user: its file and JSON location.
type userSource struct{ path, loc string }

// at returns loc inside this realm, as a location in its file.
func (d *realmDoc) at(loc string) string {
	if d.prefix == "" {
		return loc
	}
	return d.prefix + "." + loc
}

// merge appends the users (and federated users) of a users file.
func (d *realmDoc) merge(u *realmDoc) {
	for i := range u.rep.Users {
		d.rep.Users = append(d.rep.Users, u.rep.Users[i])
		d.users = append(d.users, u.users[i])
	}
	if len(u.rep.FederatedUsers) > 0 {
		var a, b []json.RawMessage
		_ = json.Unmarshal(d.rep.FederatedUsers, &a)
		if json.Unmarshal(u.rep.FederatedUsers, &b) == nil {
			d.rep.FederatedUsers, _ = json.Marshal(append(a, b...))
		}
	}
}

// parseFile checks, expands and decodes one file. A file that fails any of
// these steps yields no realm.
func parseFile(path string, data []byte, getenv func(string) (string, bool)) ([]*realmDoc, []error) {
	fail := func(loc, format string, args ...any) []error {
		return []error{&Error{Path: path, Location: loc, Msg: fmt.Sprintf(format, args...)}}
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		var se *json.SyntaxError
		off := int64(len(data))
		if errors.As(err, &se) {
			off = se.Offset
			// Offset counts the offending byte; point at it, except at
			// the end of the input where there is none.
			if off > 0 && !strings.Contains(se.Error(), "unexpected end") {
				off--
			}
		}
		line, col := lineCol(data, off)
		return nil, []error{&Error{Path: path, Line: line, Column: col, Msg: "invalid JSON: " + err.Error()}}
	}
	data, envErrs := expandEnv(data, getenv)
	if len(envErrs) > 0 {
		var errs []error
		for _, e := range envErrs {
			errs = append(errs, &Error{Path: path, Location: e.loc, Msg: e.msg})
		}
		return nil, errs
	}

	var reps []kcrep.RealmRepresentation
	var err error
	switch v.(type) {
	case map[string]any:
		reps = make([]kcrep.RealmRepresentation, 1)
		err = json.Unmarshal(data, &reps[0])
	case []any:
		err = json.Unmarshal(data, &reps)
	default:
		return nil, fail("", "expected a realm object, found %s", describeValue(jsonKind(v)))
	}
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fail(locate(data, te.Offset), "expected %s, found %s",
				describeType(te.Type), describeValue(te.Value))
		}
		return nil, fail("", "%v", err)
	}

	var docs []*realmDoc
	var errs []error
	for i, rep := range reps {
		d := &realmDoc{path: path, rep: rep}
		if _, ok := v.([]any); ok {
			d.prefix = fmt.Sprintf("[%d]", i)
		}
		if strings.TrimSpace(rep.Realm) == "" {
			errs = append(errs, &Error{Path: path, Location: d.at("realm"), Msg: "realm name is missing or empty"})
			continue
		}
		for j := range rep.Users {
			d.users = append(d.users, userSource{path: path, loc: d.at(fmt.Sprintf("users[%d]", j))})
		}
		docs = append(docs, d)
	}
	return docs, errs
}

// realmNames reads the realm names of a file leniently, for files that
// failed: a users file for one of them should not also be reported.
func realmNames(data []byte) []string {
	type named struct {
		Realm string `json:"realm"`
	}
	var one named
	if json.Unmarshal(data, &one) == nil {
		return []string{one.Realm}
	}
	var many []named
	_ = json.Unmarshal(data, &many)
	var out []string
	for _, n := range many {
		out = append(out, n.Realm)
	}
	if len(out) == 0 {
		// A type error stops Unmarshal from returning the fields it did
		// read; look for the name the plain way.
		dec := json.NewDecoder(bytes.NewReader(data))
		var m map[string]json.RawMessage
		if dec.Decode(&m) == nil {
			var s string
			if json.Unmarshal(m["realm"], &s) == nil {
				out = append(out, s)
			}
		}
	}
	return out
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case float64:
		return "number"
	case nil:
		return "null"
	}
	return "value"
}

// describeValue words encoding/json's description of a JSON value.
func describeValue(v string) string {
	switch {
	case v == "array" || v == "object":
		return "an " + v
	case v == "bool":
		return "true or false"
	case v == "string" || v == "number":
		return "a " + v
	case strings.HasPrefix(v, "number "):
		return "the " + v
	}
	return v
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// describeType says what JSON a Go type accepts.
func describeType(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	if t == rawMessageType {
		return "any JSON value"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if e := t.Elem(); e.Kind() == reflect.String {
			return "an array of strings"
		}
		return "an array"
	case reflect.Map:
		if e := t.Elem(); e.Kind() == reflect.String {
			return "an object of strings"
		}
		if e := t.Elem(); e.Kind() == reflect.Slice && e.Elem().Kind() == reflect.String {
			return "an object of string arrays"
		}
		return "an object"
	case reflect.Struct:
		return "an object"
	}
	return t.String()
}
