package cache_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"testing"

	"github.com/latchkey/latchkey/internal/store"
)

// passThrough is every store method the cache lets through untouched, with
// the reason it may. A new store method fails TestEveryStoreMethodIsClassified
// until someone decides here whether it reads something cached, writes
// something cached, or neither.
var passThrough = map[string]string{
	// Reads of things the cache does not hold.
	"ListRealms": "read", "GetUserByUsername": "read", "GetUserByEmail": "read",
	"ListUsers": "read", "CountUsers": "read", "ListCredentials": "read",
	"GetRole": "read", "GetRoleByName": "read", "ListRoles": "read", "ListRoleUsers": "read",
	"GetGroup": "read", "GetGroupByPath": "read", "ListGroups": "read", "CountGroups": "read",
	"ListGroupMembers": "read", "ListUserGroups": "read", "CountUserGroups": "read",
	"ListGroupRoles": "read", "ListInheritedGroupRoles": "read", "ListRoleGroups": "read",
	"ListDefaultGroups": "read", "ListKeys": "read (signing.Keys caches key sets and follows OnDrop)",
	"GetSession": "read", "ListUserSessions": "read", "ListClientSessions": "read",
	"CountClientSessions": "read", "ListEvents": "read", "ListAdminEvents": "read",
	"GetMessage": "read", "ListMessages": "read", "CountMessages": "read", "GetCode": "read",
	"GetLoginFailure": "read", "ListLoginFailures": "read", "Ping": "read",
	// Writes that change nothing the cache holds.
	"CreateUser":       "a new user has no cached role mappings, and misses are never cached",
	"CreateCredential": "credentials are not cached", "UpdateCredential": "credentials are not cached",
	"DeleteCredential": "credentials are not cached",
	"CreateSession":    "sessions are not cached", "UpdateSession": "sessions are not cached",
	"DeleteSession": "sessions are not cached", "DeleteUserSessions": "sessions are not cached",
	"DeleteRealmSessions": "sessions are not cached", "DeleteExpiredSessions": "sessions are not cached",
	"AppendEvent": "events", "DeleteEvents": "events", "AppendAdminEvent": "events", "DeleteAdminEvents": "events",
	"EnqueueMessage": "mail", "ClaimMessages": "mail", "MarkMessageSent": "mail", "MarkMessageFailed": "mail",
	"PutCode": "codes", "AddCodeAttempt": "codes", "DeleteCode": "codes",
	"RecordLoginFailure": "login failures", "DeleteLoginFailure": "login failures",
	"DeleteRealmLoginFailures": "login failures",
}

// declared lists the methods this package defines on *Store.
func declared(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, f := range pkgs["cache"].Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 {
				continue
			}
			if star, ok := fd.Recv.List[0].Type.(*ast.StarExpr); ok {
				if id, ok := star.X.(*ast.Ident); ok && id.Name == "Store" {
					out[fd.Name.Name] = true
				}
			}
		}
	}
	return out
}

func TestEveryStoreMethodIsClassified(t *testing.T) {
	own := declared(t)
	iface := reflect.TypeFor[store.Store]()
	for i := range iface.NumMethod() {
		name := iface.Method(i).Name
		_, through := passThrough[name]
		switch {
		case own[name] && through:
			t.Errorf("%s is both handled by the cache and listed as passing through", name)
		case !own[name] && !through:
			t.Errorf("store method %s is neither handled by the cache nor listed in passThrough: "+
				"decide whether it reads or changes a cached record", name)
		}
	}
	for name := range passThrough {
		if _, ok := iface.MethodByName(name); !ok {
			t.Errorf("passThrough lists %s, which the store does not have", name)
		}
	}
}
