package realm_test

import (
	"context"
	"os"
	"testing"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/realmimport"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

// Real Keycloak exports (keycloak/keycloak-quickstarts, Apache-2.0; sources
// in ../realmimport/testdata/SOURCES.md and ../kcrep/testdata/SOURCES.md)
// import whole: realm, clients, roles, users with their credentials.
func TestImportRealKeycloakExports(t *testing.T) {
	for _, path := range []string{
		"../realmimport/testdata/spa/realm-import.json",
		"../realmimport/testdata/authz/realm-import.json",
		"../realmimport/testdata/export-dir",
		"../kcrep/testdata/examples-realm.json",
	} {
		files, err := realmimport.Load(path, os.LookupEnv)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(path, func(t *testing.T) {
			testenv.EachStore(t, func(t *testing.T, st store.Store) {
				svc, _ := newService(t, st)
				for _, f := range files {
					checkImported(t, svc, st, f.Realm)
				}
			})
		})
	}
}

func checkImported(t *testing.T, svc *realm.Service, st store.Store, rep kcrep.RealmRepresentation) {
	t.Helper()
	ctx := context.Background()
	r, err := svc.Import(ctx, &rep)
	if err != nil {
		t.Fatalf("import %s: %v", rep.Realm, err)
	}
	for _, c := range rep.Clients {
		got, err := st.GetClientByClientID(ctx, r.ID, c.ClientID)
		if err != nil {
			t.Errorf("client %s: %v", c.ClientID, err)
		} else if c.ID != "" && got.ID != c.ID {
			t.Errorf("client %s id %s, want the file's %s", c.ClientID, got.ID, c.ID)
		}
	}
	for _, u := range rep.Users {
		got, err := st.GetUserByUsername(ctx, r.ID, u.Username)
		if err != nil {
			t.Errorf("user %s: %v", u.Username, err)
			continue
		}
		creds, _ := st.ListCredentials(ctx, got.ID)
		if len(creds) != len(u.Credentials) {
			t.Errorf("user %s has %d credentials, file %d", u.Username, len(creds), len(u.Credentials))
		}
	}
	n, err := st.CountUsers(ctx, r.ID, store.UserQuery{IncludeServiceAccounts: true})
	if err != nil || n < len(rep.Users) {
		t.Errorf("%d users stored, file has %d (%v)", n, len(rep.Users), err)
	}
}
