package model

import (
	"reflect"
	"testing"
)

// fill sets every field of the struct v points to a non-zero value, with
// one element in every slice and map, so that a clone that forgets a field
// shares memory with its original.
func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(t, v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i))
			}
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(1)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(t, s.Index(0))
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(t, k)
		fill(t, e)
		m.SetMapIndex(k, e)
		v.Set(m)
	}
}

// shared reports the path of the first slice or map that a and b share.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.Pointer() == b.Pointer() {
			return path
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			if !a.Type().Field(i).IsExported() {
				continue
			}
			if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := range a.Len() {
			if p := shared(a.Index(i), b.Index(i), path+"[]"); p != "" {
				return p
			}
		}
	case reflect.Map:
		if a.Pointer() == b.Pointer() {
			return path
		}
		for _, k := range a.MapKeys() {
			if p := shared(a.MapIndex(k), b.MapIndex(k), path+"[k]"); p != "" {
				return p
			}
		}
	}
	return ""
}

func TestClonesShareNothing(t *testing.T) {
	realm, client, user, role := &Realm{}, &Client{}, &User{}, &Role{}
	for _, v := range []any{realm, client, user, role} {
		fill(t, reflect.ValueOf(v))
	}
	roles := []Role{*role}
	for name, pair := range map[string][2]any{
		"Realm":  {realm, realm.Clone()},
		"Client": {client, client.Clone()},
		"User":   {user, user.Clone()},
		"Role":   {role, new(role.Clone())},
		"Roles":  {roles, CloneRoles(roles)},
	} {
		a, b := reflect.ValueOf(pair[0]), reflect.ValueOf(pair[1])
		if !reflect.DeepEqual(a.Interface(), b.Interface()) && name != "Role" {
			t.Errorf("%s: clone differs from the original", name)
		}
		if p := shared(a, b, name); p != "" {
			t.Errorf("%s: clone shares %s with the original", name, p)
		}
	}
	if got := role.Clone(); !reflect.DeepEqual(got, *role) {
		t.Errorf("Role: clone differs from the original")
	}
	if CloneRoles(nil) != nil {
		t.Error("CloneRoles(nil) is not nil")
	}
}
