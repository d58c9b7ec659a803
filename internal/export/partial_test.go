package export_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/latchkey/latchkey/internal/export"
	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/testenv"
)

const partialJSON = `{
  "realm": "px", "enabled": true,
  "smtpServer": {"host": "127.0.0.1", "from": "a@px.test", "auth": "true", "user": "u", "password": "smtp-pw"},
  "roles": {"realm": [{"name": "member"}], "client": {"backend": [{"name": "read"}]}},
  "clients": [{"clientId": "backend", "publicClient": false, "secret": "backend-s3cret", "serviceAccountsEnabled": true},
              {"clientId": "web", "publicClient": true}],
  "groups": [{"name": "staff", "realmRoles": ["member"], "subGroups": [{"name": "leads"}]}],
  "defaultGroups": ["/staff"],
  "users": [{"username": "alice", "enabled": true, "groups": ["/staff/leads"],
             "credentials": [{"type": "password", "value": "alice-pw-1"}]},
            {"username": "service-account-backend", "enabled": true, "serviceAccountClientId": "backend",
             "realmRoles": ["member"], "groups": ["/staff"]}]
}`

func TestPartialExport(t *testing.T) { testenv.EachStore(t, testPartialExport) }

func testPartialExport(t *testing.T, st store.Store) {
	ctx := context.Background()
	svc := &realm.Service{Store: st, Log: testenv.Logger(t), Passwords: testenv.Passwords(t, st)}
	if _, err := svc.EnsureMaster(ctx, "admin", "admin-pw"); err != nil {
		t.Fatal(err)
	}
	var in kcrep.RealmRepresentation
	if err := json.Unmarshal([]byte(partialJSON), &in); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Import(ctx, &in)
	if err != nil {
		t.Fatal(err)
	}
	usernames := func(rep kcrep.RealmRepresentation) []string {
		var out []string
		for _, u := range rep.Users {
			out = append(out, u.Username)
		}
		return out
	}
	for _, tt := range []struct {
		clients, groupsAndRoles bool
	}{{false, false}, {true, false}, {false, true}, {true, true}} {
		rep, err := export.PartialExport(ctx, st, r, tt.clients, tt.groupsAndRoles)
		if err != nil {
			t.Fatal(err)
		}
		name := func() string { b, _ := json.Marshal(tt); return string(b) }()
		if rep.Realm != "px" || rep.DefaultRole == nil || !slices.Equal(rep.DefaultGroups, []string{"/staff"}) {
			t.Errorf("%s: realm %q, defaultRole %v, defaultGroups %q", name, rep.Realm, rep.DefaultRole, rep.DefaultGroups)
		}
		if rep.SMTPServer["password"] != "**********" || rep.SMTPServer["user"] != "u" {
			t.Errorf("%s: smtpServer %v, want the password masked", name, rep.SMTPServer)
		}
		if got := len(rep.Clients) > 0; got != tt.clients {
			t.Errorf("%s: %d clients", name, len(rep.Clients))
		}
		for _, c := range rep.Clients {
			if c.ClientID == "backend" && c.Secret != "**********" {
				t.Errorf("%s: backend's secret %q, want it masked", name, c.Secret)
			}
		}
		// Users: only the service account of a confidential client, with
		// clients.
		if got, want := usernames(rep), []string(nil); tt.clients {
			want = []string{"service-account-backend"}
			if !slices.Equal(got, want) {
				t.Errorf("%s: users %q, want %q", name, got, want)
			}
			sa := rep.Users[0]
			if len(sa.Credentials) != 0 || slices.Contains(sa.RealmRoles, "member") != tt.groupsAndRoles ||
				slices.Equal(sa.Groups, []string{"/staff"}) != tt.groupsAndRoles {
				t.Errorf("%s: service account %+v: role mappings and groups only with groups and roles", name, sa)
			}
		} else if len(got) != 0 {
			t.Errorf("%s: users %q, want none", name, got)
		}
		if got := len(rep.Groups) == 1 && rep.Roles != nil && len(rep.Roles.Realm) > 0; got != tt.groupsAndRoles {
			t.Errorf("%s: groups %d, roles %+v", name, len(rep.Groups), rep.Roles)
		}
		if rep.Roles != nil && (len(rep.Roles.Client) > 0) != tt.clients {
			t.Errorf("%s: client roles %v", name, rep.Roles.Client)
		}
	}

	// A full partial export imports into another realm (SKIP: the
	// built-ins exist there), masked secrets replaced by new ones.
	rep, err := export.PartialExport(ctx, st, r, true, true)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(rep)
	var pir kcrep.PartialImportRepresentation
	if err := json.Unmarshal(body, &pir); err != nil {
		t.Fatal(err)
	}
	pir.IfResourceExists = kcrep.PolicySkip
	other, err := svc.Import(ctx, &kcrep.RealmRepresentation{Realm: "copy"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := export.PartialImport(ctx, st, svc, other, pir)
	if err != nil {
		t.Fatal(err)
	}
	added := map[string]bool{}
	for _, x := range res.Results {
		if x.Action == kcrep.ActionAdded {
			added[x.ResourceType+" "+x.ResourceName] = true
		}
	}
	for _, w := range []string{"CLIENT backend", "CLIENT web", "REALM_ROLE member", "CLIENT_ROLE backend-->read",
		"GROUP staff", "USER service-account-backend"} {
		if !added[w] {
			t.Errorf("%s not added: %+v", w, res)
		}
	}
	c, err := st.GetClientByClientID(ctx, other.ID, "backend")
	if err != nil || c.Secret == "" || c.Secret == "**********" || c.Secret == "backend-s3cret" {
		t.Errorf("copied backend %+v, %v: want a new secret", c, err)
	}
	if _, err := st.GetGroupByPath(ctx, other.ID, "/staff/leads"); err != nil {
		t.Errorf("copied subgroup: %v", err)
	}
	sa, err := st.GetServiceAccountUser(ctx, other.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gs, _ := st.ListUserGroups(ctx, other.ID, sa.ID, store.GroupQuery{}); len(gs) != 1 || gs[0].Path != "/staff" {
		t.Errorf("copied service account's groups %+v", gs)
	}
}
