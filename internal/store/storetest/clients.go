package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// fullClient sets every field; flag flips every boolean, so that both
// values of each are seen to round-trip.
func fullClient(realmID, clientID string, flag bool) *model.Client {
	return &model.Client{
		ID: newID(), RealmID: realmID, ClientID: clientID,
		CreatedAt: time.Date(2024, 6, 7, 8, 9, 10, 11_000_000, time.UTC),

		Name: "App " + clientID, Description: "The app, ✓", RootURL: "https://app.example.com",
		AdminURL: "https://app.example.com/admin", BaseURL: "/home",
		Enabled: flag, AlwaysDisplayInConsole: !flag, ClientAuthenticatorType: "client-secret",
		Secret:       "s3cr3t-" + clientID,
		RedirectURIs: []string{"https://app.example.com/cb", "com.example.app:/oauth", "http://localhost:*"},
		WebOrigins:   []string{"+", "https://www.example.com"},
		NotBefore:    1700000000,
		BearerOnly:   flag, ConsentRequired: !flag, StandardFlowEnabled: flag, ImplicitFlowEnabled: !flag,
		DirectAccessGrantsEnabled: flag, ServiceAccountsEnabled: !flag, PublicClient: flag,
		FrontchannelLogout: !flag, Protocol: "openid-connect", FullScopeAllowed: flag,
		Attributes: map[string]string{
			"pkce.code.challenge.method": "S256",
			"post.logout.redirect.uris":  "https://app.example.com/bye##https://app.example.com/",
			"empty":                      "",
		},
		DefaultClientScopes:  []string{"web-origins", "profile", "roles", "email"},
		OptionalClientScopes: []string{"phone", "offline_access", "address"},
	}
}

func testClients(t *testing.T, s store.Store) {
	realm := newRealm(t, s)

	t.Run("CreateGeneratesIDAndTime", func(t *testing.T) {
		ctx := ctxFor(t)
		before := time.Now()
		c := &model.Client{RealmID: realm.ID, ClientID: uniq("gen")}
		must(t, s.CreateClient(ctx, c))
		checkGenerated(t, "client", c.ID, c.CreatedAt, before, time.Now())
	})

	t.Run("RoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		for _, flag := range []bool{true, false} {
			want := fullClient(realm.ID, uniq("full"), flag)
			allSet(t, "client", fullClient(realm.ID, "x", true))
			must(t, s.CreateClient(ctx, want))
			got, err := s.GetClient(ctx, realm.ID, want.ID)
			must(t, err)
			checkEqual(t, "GetClient", got, want)
			got, err = s.GetClientByClientID(ctx, realm.ID, want.ClientID)
			must(t, err)
			checkEqual(t, "GetClientByClientID", got, want)
			list, err := s.ListClients(ctx, realm.ID, store.ClientQuery{ClientID: want.ClientID})
			must(t, err)
			if len(list) != 1 {
				t.Fatalf("ListClients(exact) = %q, want one", clientIDs(list))
			}
			checkEqual(t, "ListClients", &list[0], want)
		}
	})

	t.Run("Update", func(t *testing.T) {
		ctx := ctxFor(t)
		c := fullClient(realm.ID, uniq("upd"), true)
		must(t, s.CreateClient(ctx, c))
		want := fullClient(realm.ID, uniq("renamed"), false)
		want.ID, want.CreatedAt = c.ID, c.CreatedAt
		want.RedirectURIs = []string{"https://other.example.com/*"}
		want.Attributes = map[string]string{"only": "this"}
		must(t, s.UpdateClient(ctx, want))
		got, err := s.GetClient(ctx, realm.ID, c.ID)
		must(t, err)
		checkEqual(t, "after update", got, want)
		_, err = s.GetClientByClientID(ctx, realm.ID, c.ClientID)
		wantErr(t, "GetClientByClientID(old clientId)", err, store.ErrNotFound)

		zero := &model.Client{ID: c.ID, RealmID: realm.ID, ClientID: want.ClientID, CreatedAt: c.CreatedAt}
		must(t, s.UpdateClient(ctx, zero))
		got, err = s.GetClient(ctx, realm.ID, c.ID)
		must(t, err)
		checkEqual(t, "after update to zero", got, zero)
	})

	t.Run("ClientIDUniqueCaseSensitive", func(t *testing.T) {
		ctx := ctxFor(t)
		id := uniq("app")
		a := newClient(t, s, realm.ID, id)
		wantErr(t, "CreateClient with a taken clientId", s.CreateClient(ctx, &model.Client{RealmID: realm.ID, ClientID: id}), store.ErrConflict)
		upper := &model.Client{RealmID: realm.ID, ClientID: strings.ToUpper(id)}
		if err := s.CreateClient(ctx, upper); err != nil {
			t.Fatalf("clientIds differing only in case: %v", err)
		}
		got, err := s.GetClientByClientID(ctx, realm.ID, strings.ToUpper(id))
		if err != nil || got.ID != upper.ID {
			t.Errorf("GetClientByClientID(upper) = %v, %v; want %q", got, err, upper.ID)
		}
		_, err = s.GetClientByClientID(ctx, realm.ID, strings.ToUpper(id[:1])+id[1:])
		wantErr(t, "GetClientByClientID with a casing that does not exist", err, store.ErrNotFound)

		upd := *upper
		upd.ClientID = a.ClientID
		upd.Name = "should not be written"
		wantErr(t, "UpdateClient onto a taken clientId", s.UpdateClient(ctx, &upd), store.ErrConflict)
		got, err = s.GetClient(ctx, realm.ID, upper.ID)
		must(t, err)
		if got.ClientID != upper.ClientID || got.Name != "" {
			t.Errorf("refused update wrote %q %q", got.ClientID, got.Name)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		ctx := ctxFor(t)
		_, err := s.GetClient(ctx, realm.ID, newID())
		wantErr(t, "GetClient(missing)", err, store.ErrNotFound)
		_, err = s.GetClientByClientID(ctx, realm.ID, uniq("missing"))
		wantErr(t, "GetClientByClientID(missing)", err, store.ErrNotFound)
		err = s.UpdateClient(ctx, &model.Client{ID: newID(), RealmID: realm.ID, ClientID: uniq("missing")})
		wantErr(t, "UpdateClient(missing)", err, store.ErrNotFound)
		wantErr(t, "DeleteClient(missing)", s.DeleteClient(ctx, realm.ID, newID()), store.ErrNotFound)
	})

	t.Run("List", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		for _, id := range []string{"delta", "alpha", "charlie", "bravo", "admin-cli", "my_app"} {
			newClient(t, s, r.ID, id)
		}
		other := newRealm(t, s)
		newClient(t, s, other.ID, "alpha")
		newClient(t, s, other.ID, "zeta")

		tests := []struct {
			name string
			q    store.ClientQuery
			want []string
		}{
			{"All", store.ClientQuery{}, []string{"admin-cli", "alpha", "bravo", "charlie", "delta", "my_app"}},
			{"Exact", store.ClientQuery{ClientID: "alpha"}, []string{"alpha"}},
			{"ExactIsWhole", store.ClientQuery{ClientID: "alp"}, nil},
			{"ExactIsCaseSensitive", store.ClientQuery{ClientID: "ALPHA"}, nil},
			{"Search", store.ClientQuery{ClientID: "ha", Search: true}, []string{"alpha", "charlie"}},
			{"SearchCaseInsensitive", store.ClientQuery{ClientID: "LI", Search: true}, []string{"admin-cli", "charlie"}},
			{"SearchUnderscoreLiteral", store.ClientQuery{ClientID: "_", Search: true}, []string{"my_app"}},
			{"SearchPercentLiteral", store.ClientQuery{ClientID: "%", Search: true}, nil},
			{"SearchPaged", store.ClientQuery{ClientID: "a", Search: true, Page: store.Page{First: 1, Max: 2}}, []string{"alpha", "bravo"}},
			{"Paged", store.ClientQuery{Page: store.Page{First: 4, Max: 5}}, []string{"delta", "my_app"}},
			{"PagedPastEnd", store.ClientQuery{Page: store.Page{First: 6, Max: 5}}, nil},
		}
		for _, tc := range tests {
			got, err := s.ListClients(ctx, r.ID, tc.q)
			must(t, err)
			checkList(t, "ListClients "+tc.name, clientIDs(got), tc.want)
			for _, c := range got {
				if c.RealmID != r.ID {
					t.Errorf("ListClients %s returned %q of realm %s", tc.name, c.ClientID, c.RealmID)
				}
			}
		}
	})

	t.Run("Delete", func(t *testing.T) {
		ctx := ctxFor(t)
		c := newClient(t, s, realm.ID, uniq("del"))
		must(t, s.DeleteClient(ctx, realm.ID, c.ID))
		_, err := s.GetClient(ctx, realm.ID, c.ID)
		wantErr(t, "GetClient after delete", err, store.ErrNotFound)
		_, err = s.GetClientByClientID(ctx, realm.ID, c.ClientID)
		wantErr(t, "GetClientByClientID after delete", err, store.ErrNotFound)
		wantErr(t, "DeleteClient twice", s.DeleteClient(ctx, realm.ID, c.ID), store.ErrNotFound)
		newClient(t, s, realm.ID, c.ClientID) // the clientId is free again
	})

	t.Run("DeleteRemovesRolesAndMappings", func(t *testing.T) {
		ctx := ctxFor(t)
		c := newClient(t, s, realm.ID, uniq("owner"))
		keep := newClient(t, s, realm.ID, uniq("bystander"))
		viewer := newRole(t, s, realm.ID, c.ID, "viewer")
		editor := newRole(t, s, realm.ID, c.ID, "editor")
		kept := newRole(t, s, realm.ID, keep.ID, "viewer")
		parent := newRole(t, s, realm.ID, "", uniq("parent"))
		u := newUser(t, s, realm.ID, uniq("holder"))
		must(t, s.AddComposites(ctx, realm.ID, editor.ID, []string{viewer.ID}))
		must(t, s.AddComposites(ctx, realm.ID, parent.ID, []string{viewer.ID, kept.ID}))
		must(t, s.GrantUserRoles(ctx, realm.ID, u.ID, []string{viewer.ID, editor.ID, kept.ID, parent.ID}))

		must(t, s.DeleteClient(ctx, realm.ID, c.ID))
		for _, r := range []*model.Role{viewer, editor} {
			_, err := s.GetRole(ctx, realm.ID, r.ID)
			wantErr(t, "GetRole("+r.Name+") after its client is deleted", err, store.ErrNotFound)
		}
		roles, err := s.ListUserRoles(ctx, realm.ID, u.ID)
		must(t, err)
		checkList(t, "user's roles after client delete", roleIDs(roles), sorted([]string{kept.ID, parent.ID}))
		kids, err := s.ListComposites(ctx, realm.ID, parent.ID)
		must(t, err)
		checkList(t, "parent's children after client delete", roleIDs(kids), []string{kept.ID})
		_, err = s.GetRole(ctx, realm.ID, kept.ID)
		must(t, err)
		list, err := s.ListRoles(ctx, realm.ID, c.ID, store.RoleQuery{})
		wantGone(t, "ListRoles of a deleted client", len(list), err)
		// The same clientId can come back without its old roles.
		again := newClient(t, s, realm.ID, c.ClientID)
		list, err = s.ListRoles(ctx, realm.ID, again.ID, store.RoleQuery{})
		must(t, err)
		if len(list) != 0 {
			t.Errorf("re-created client has roles %q", roleNames(list))
		}
	})
}

// roleIDs returns the ids of rs, sorted, for comparisons where names repeat.
func roleIDs(rs []model.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return sorted(out)
}
