// Command path2 shows registration path 2 of latchkey (and of Keycloak):
// an application's backend, after its own checks, creates a user through
// the admin REST API with a least-privilege service account, and the new
// user then signs in.
//
//	go run ./examples/path2 -url http://localhost:8080 -realm demo \
//	    -client backend -secret ... -username jdoe -email jdoe@example.com -password 'S3cret!pass'
//
// The client must be confidential ("Client authentication: on") with
// service accounts enabled, and its service account must hold the
// realm-management role create-users (latchkey) or manage-users (Keycloak).
// The sign-in step uses -login-client, a client with direct access grants.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// config is what the example needs to know.
type config struct {
	URL, Realm          string
	ClientID, Secret    string
	LoginClient         string
	Username, Email     string
	FirstName, LastName string
	Password            string
}

func main() {
	var c config
	flag.StringVar(&c.URL, "url", "http://localhost:8080", "latchkey base URL")
	flag.StringVar(&c.Realm, "realm", "demo", "realm")
	flag.StringVar(&c.ClientID, "client", "backend", "confidential client with a service account holding create-users")
	flag.StringVar(&c.Secret, "secret", "", "that client's secret")
	flag.StringVar(&c.LoginClient, "login-client", "", "client for the new user's password login (default: -client)")
	flag.StringVar(&c.Username, "username", "", "new user's username")
	flag.StringVar(&c.Email, "email", "", "new user's email")
	flag.StringVar(&c.FirstName, "first-name", "", "new user's first name")
	flag.StringVar(&c.LastName, "last-name", "", "new user's last name")
	flag.StringVar(&c.Password, "password", "", "new user's password")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := run(ctx, http.DefaultClient, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "path2:", err)
		os.Exit(1)
	}
	fmt.Printf("created %s\nthe new user signed in: access token of %d bytes\n", res.Location, len(res.UserToken))
}

// result is what the flow produced.
type result struct {
	Location  string // the new user's admin URL
	UserToken string // the new user's access token
}

// run is the whole flow: a service-account token, the user's creation with
// a password, then the user's own login.
func run(ctx context.Context, hc *http.Client, c config) (result, error) {
	tokenURL := strings.TrimSuffix(c.URL, "/") + "/realms/" + url.PathEscape(c.Realm) + "/protocol/openid-connect/token"

	// 1. The backend authenticates as itself (client_credentials).
	sa, err := token(ctx, hc, tokenURL, url.Values{"grant_type": {"client_credentials"},
		"client_id": {c.ClientID}, "client_secret": {c.Secret}})
	if err != nil {
		return result{}, fmt.Errorf("service-account token: %w", err)
	}

	// 2. It creates the user, with the password as a credential.
	user := map[string]any{"username": c.Username, "email": c.Email, "firstName": c.FirstName,
		"lastName": c.LastName, "enabled": true,
		"credentials": []map[string]any{{"type": "password", "value": c.Password, "temporary": false}}}
	body, _ := json.Marshal(user)
	usersURL := strings.TrimSuffix(c.URL, "/") + "/admin/realms/" + url.PathEscape(c.Realm) + "/users"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, usersURL, bytes.NewReader(body))
	if err != nil {
		return result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+sa)
	resp, err := hc.Do(req)
	if err != nil {
		return result{}, err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		// 409 {"errorMessage":"User exists with same username"}, 400 with the
		// password policy's {"error","error_description"}, 403 without the role.
		return result{}, fmt.Errorf("create user: %s: %s", resp.Status, msg)
	}
	res := result{Location: resp.Header.Get("Location")}

	// 3. The new user signs in with the password grant.
	login := c.LoginClient
	if login == "" {
		login = c.ClientID
	}
	form := url.Values{"grant_type": {"password"}, "client_id": {login},
		"username": {c.Username}, "password": {c.Password}}
	if login == c.ClientID {
		form.Set("client_secret", c.Secret)
	}
	if res.UserToken, err = token(ctx, hc, tokenURL, form); err != nil {
		return res, fmt.Errorf("user login: %w", err)
	}
	return res, nil
}

// token posts a token request and returns the access token.
func token(ctx context.Context, hc *http.Client, tokenURL string, form url.Values) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken      string `json:"access_token"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return "", fmt.Errorf("%s: %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		return "", errors.New(resp.Status + ": " + out.Error + ": " + out.ErrorDescription)
	}
	return out.AccessToken, nil
}
