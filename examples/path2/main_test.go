package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// The seed's path 2 against a real server: a backend with create-users
// creates a user with a password; the user signs in; the same backend may
// not list users.
func TestPath2(t *testing.T) {
	s := testenv.NewServer(t)
	s.ImportRealm(`{"realm":"demo","enabled":true,"passwordPolicy":"length(8)",
	  "clients":[
	    {"clientId":"backend","publicClient":false,"secret":"backend-secret","serviceAccountsEnabled":true,
	     "standardFlowEnabled":false,"directAccessGrantsEnabled":true}],
	  "users":[{"username":"service-account-backend","serviceAccountClientId":"backend","enabled":true,
	     "clientRoles":{"realm-management":["create-users"]}}]}`)
	c := config{URL: s.URL, Realm: "demo", ClientID: "backend", Secret: "backend-secret",
		Username: "jdoe", Email: "jdoe@example.com", FirstName: "John", LastName: "Doe", Password: "S3cret!pass"}
	res, err := run(context.Background(), http.DefaultClient, c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Location, s.URL+"/admin/realms/demo/users/") || res.UserToken == "" {
		t.Errorf("result = %+v", res)
	}

	// The same user again: Keycloak's 409.
	if _, err := run(context.Background(), http.DefaultClient, c); err == nil ||
		!strings.Contains(err.Error(), `409 Conflict: {"errorMessage":"User exists with same username"}`) {
		t.Errorf("second create: %v", err)
	}
	// A password the policy refuses: Keycloak's 400.
	c.Username, c.Email, c.Password = "jane", "jane@example.com", "short"
	if _, err := run(context.Background(), http.DefaultClient, c); err == nil ||
		!strings.Contains(err.Error(), `"error":"invalidPasswordMinLengthMessage"`) {
		t.Errorf("short password: %v", err)
	}
}
