package storetest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// seq makes fixture names unique across the whole suite, so that groups can
// share nothing and still never collide.
var seq atomic.Int64

func uniq(prefix string) string { return fmt.Sprintf("%s%04d", prefix, seq.Add(1)) }

// newID returns a random version 4 UUID, for tests that give their own ids.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkGenerated checks what a Create method writes back when the caller
// left ID and CreatedAt empty.
func checkGenerated(t *testing.T, what, id string, created, before, after time.Time) {
	t.Helper()
	if !uuidRE.MatchString(id) {
		t.Errorf("%s: generated id %q is not a UUID", what, id)
	}
	if created.IsZero() {
		t.Errorf("%s: CreatedAt left zero", what)
		return
	}
	if created.Before(before.Add(-time.Second)) || created.After(after.Add(time.Second)) {
		t.Errorf("%s: CreatedAt = %v, want about now (%v)", what, created, before)
	}
}

// ms is the precision the stores keep.
func ms(tm time.Time) time.Time { return tm.Truncate(time.Millisecond) }

// checkTime checks that a time read back is want, to the millisecond, in UTC.
func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(ms(want)) {
		t.Errorf("%s: CreatedAt = %v, want %v", what, got, ms(want).UTC())
	}
	if got.Location() != time.UTC {
		t.Errorf("%s: CreatedAt location = %v, want UTC", what, got.Location())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want %v", what, err, target)
	}
}

// wantGone accepts what a listing of a deleted parent may answer: nothing,
// or ErrNotFound. The contract fixes neither.
func wantGone(t *testing.T, what string, n int, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: err = %v, want nil or ErrNotFound", what, err)
	}
	if err == nil && n != 0 {
		t.Errorf("%s: %d rows left, want none", what, n)
	}
}

// diff lists the exported fields of two structs of one type that differ.
// Empty and nil slices and maps count as equal (callers may not rely on
// either), times compare as instants.
func diff(got, want any) string {
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	if gv.Kind() == reflect.Pointer {
		gv, wv = gv.Elem(), wv.Elem()
	}
	var out []string
	for i := range gv.NumField() {
		f := gv.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		if !same(gv.Field(i), wv.Field(i)) {
			out = append(out, fmt.Sprintf("%s: got %#v, want %#v", f.Name, gv.Field(i).Interface(), wv.Field(i).Interface()))
		}
	}
	return strings.Join(out, "; ")
}

var timeType = reflect.TypeFor[time.Time]()

func same(a, b reflect.Value) bool {
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !same(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() || !same(a.MapIndex(k), bv) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if !same(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// checkEqual fails with the differing fields of got and want.
func checkEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := diff(got, want); d != "" {
		t.Errorf("%s differs: %s", what, d)
	}
}

// allSet fails when a fixture leaves an exported field at its zero value
// (except those named), so that a field added to a model later is caught by
// the round-trip tests until the fixture sets it. Booleans are skipped: the
// fixtures that need both values flip them.
func allSet(t *testing.T, what string, v any, except ...string) {
	t.Helper()
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		if !f.IsExported() || f.Type.Kind() == reflect.Bool || contains(except, f.Name) {
			continue
		}
		fv := rv.Field(i)
		empty := fv.IsZero() || ((fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.Len() == 0)
		if empty {
			t.Errorf("%s fixture leaves %s unset; set it so the round-trip covers it", what, f.Name)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func usernames(us []model.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Username
	}
	return out
}

func roleNames(rs []model.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func clientIDs(cs []model.Client) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ClientID
	}
	return out
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func checkList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func ptr[T any](v T) *T { return &v }

// Fixtures. Each creates one row and fails the test if the store refuses.

func newRealm(t *testing.T, s store.Store) *model.Realm {
	t.Helper()
	r := &model.Realm{Name: uniq("realm"), Enabled: true}
	must(t, s.CreateRealm(ctxFor(t), r))
	return r
}

// newUser creates a user in realm with a unique email (uniqueEmail true);
// edits adjust the user before it is written.
func newUser(t *testing.T, s store.Store, realmID, username string, edits ...func(*model.User)) *model.User {
	t.Helper()
	u := &model.User{RealmID: realmID, Username: username, Enabled: true}
	for _, e := range edits {
		e(u)
	}
	must(t, s.CreateUser(ctxFor(t), u, true))
	return u
}

func newClient(t *testing.T, s store.Store, realmID, clientID string) *model.Client {
	t.Helper()
	c := &model.Client{RealmID: realmID, ClientID: clientID, Enabled: true, Protocol: "openid-connect"}
	must(t, s.CreateClient(ctxFor(t), c))
	return c
}

// newRole creates a realm role (clientID "") or a client role (clientID is
// the client's internal id).
func newRole(t *testing.T, s store.Store, realmID, clientID, name string) *model.Role {
	t.Helper()
	r := &model.Role{RealmID: realmID, ClientID: clientID, Name: name}
	must(t, s.CreateRole(ctxFor(t), r))
	return r
}

func newKey(t *testing.T, s store.Store, realmID string, priority int64, created time.Time) *model.SigningKey {
	t.Helper()
	k := &model.SigningKey{
		RealmID: realmID, Algorithm: "RS256", Use: "sig",
		PrivateKey: []byte("private-" + uniq("k")), Active: true, Enabled: true,
		Priority: priority, CreatedAt: created,
	}
	must(t, s.CreateKey(ctxFor(t), k))
	return k
}

func ids[T any](rows []T, id func(T) string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}
