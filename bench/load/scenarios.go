//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// scenarios lists every scenario in the order reports show them.
var scenarios = []string{"register", "admin-create", "login", "client-credentials", "refresh", "userinfo", "introspect"}

// requestFn sends request number i and returns the answer's status; a
// status of 0 with an error is a transport error.
type requestFn func(i int) (int, error)

// errInactive marks an introspection that answered active=false.
var errInactive = errors.New("token inactive")

// errEmpty marks an admin search that found nothing (or a count below the
// seeded users): every search term is built from a seeded user.
var errEmpty = errors.New("no users found")

// runSeq makes names unique across the runs of one process.
var runSeq atomic.Int64

// scenario returns, for each worker, the request it sends. Anything a
// worker needs first (a login, an admin token) happens here, before the
// clock starts.
func scenario(c config, client *http.Client) (func(worker int) (requestFn, error), error) {
	oidc := c.base + "/realms/" + c.realm + "/protocol/openid-connect"
	runID := fmt.Sprintf("%d-%d", time.Now().UnixNano(), runSeq.Add(1))
	h := &httpc{client: client}
	switch c.scenario {
	case "register":
		return func(int) (requestFn, error) {
			return func(i int) (int, error) {
				return h.postJSON(oidc+"/registrations", "", registration(fmt.Sprintf("u%s-%d", runID, i), c.password), nil)
			}, nil
		}, nil
	case "admin-create":
		tok, err := h.clientToken(oidc, c.adminClient, c.adminSecret)
		if err != nil {
			return nil, fmt.Errorf("admin-create: service-account token: %w", err)
		}
		users := c.base + "/admin/realms/" + c.realm + "/users"
		return func(int) (requestFn, error) {
			return func(i int) (int, error) {
				name := fmt.Sprintf("a%s-%d", runID, i)
				body := fmt.Sprintf(`{"username":%q,"email":"%s@bench.test","enabled":true,"credentials":[{"type":"password","value":%q,"temporary":false}]}`,
					name, name, c.password)
				return h.postJSON(users, tok, body, nil)
			}, nil
		}, nil
	case "login":
		users, err := registerUsers(c, h, oidc, runID)
		if err != nil {
			return nil, err
		}
		return func(int) (requestFn, error) {
			return func(i int) (int, error) {
				return h.postForm(oidc+"/token", passwordForm(c, users[i%len(users)], ""), nil)
			}, nil
		}, nil
	case "admin-search":
		return adminSearch(c, h, oidc)
	case "client-credentials":
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.client}, "client_secret": {c.secret}}
		return func(int) (requestFn, error) {
			return func(int) (int, error) { return h.postForm(oidc+"/token", form, nil) }, nil
		}, nil
	case "refresh", "userinfo", "introspect":
		users, err := registerUsers(c, h, oidc, runID)
		if err != nil {
			return nil, err
		}
		return func(w int) (requestFn, error) {
			// Only userinfo needs an openid token; the others stay without an
			// ID token, so a refresh signs one access token (RS256) and one
			// refresh token (HS512).
			scope := ""
			if c.scenario == "userinfo" {
				scope = "openid"
			}
			var tok tokenResponse
			st, err := h.postForm(oidc+"/token", passwordForm(c, users[w%len(users)], scope), &tok)
			if err != nil || st != http.StatusOK {
				return nil, fmt.Errorf("%s: worker login answered %d: %v", c.scenario, st, err)
			}
			switch c.scenario {
			case "refresh":
				return func(int) (int, error) {
					form := url.Values{"grant_type": {"refresh_token"}, "client_id": {c.userClient}, "refresh_token": {tok.RefreshToken}}
					var next tokenResponse
					st, err := h.postForm(oidc+"/token", form, &next)
					if st == http.StatusOK && next.RefreshToken != "" {
						tok.RefreshToken = next.RefreshToken
					}
					return st, err
				}, nil
			case "userinfo":
				return func(int) (int, error) { return h.get(oidc+"/userinfo", tok.AccessToken) }, nil
			}
			form := url.Values{"client_id": {c.client}, "client_secret": {c.secret}, "token": {tok.AccessToken}}
			return func(int) (int, error) {
				var ans struct {
					Active bool `json:"active"`
				}
				st, err := h.postForm(oidc+"/token/introspect", form, &ans)
				if err == nil && st == http.StatusOK && !ans.Active {
					return st, errInactive
				}
				return st, err
			}, nil
		}, nil
	}
	return nil, fmt.Errorf("unknown scenario %q (one of %s)", c.scenario, strings.Join(scenarios, ", "))
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func registration(name, password string) string {
	return fmt.Sprintf(`{"username":%q,"email":"%s@bench.test","firstName":"Bench","lastName":"User","password":%q}`,
		name, name, password)
}

func passwordForm(c config, user, scope string) url.Values {
	v := url.Values{"grant_type": {"password"}, "client_id": {c.userClient}, "username": {user}, "password": {c.password}}
	if scope != "" {
		v.Set("scope", scope)
	}
	return v
}

// registerUsers creates a small pool of users for the scenarios that log in.
func registerUsers(c config, h *httpc, oidc, runID string) ([]string, error) {
	var users []string
	for i := 0; i < max(c.concurrency, 4); i++ {
		name := fmt.Sprintf("pool%s-%d", runID, i)
		st, err := h.postJSON(oidc+"/registrations", "", registration(name, c.password), nil)
		if err != nil {
			return nil, err
		}
		if st != http.StatusCreated {
			return nil, fmt.Errorf("preparing users: registration answered %d", st)
		}
		users = append(users, name)
	}
	return users, nil
}

// httpc sends requests and drains (or decodes) every answer, so that the
// keep-alive connection is reused.
type httpc struct{ client *http.Client }

func (h *httpc) send(req *http.Request, into any) (int, error) {
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if into != nil && resp.StatusCode/100 == 2 {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			return resp.StatusCode, err
		}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func (h *httpc) postForm(u string, form url.Values, into any) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.send(req, into)
}

func (h *httpc) postJSON(u, bearer, body string, into any) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return h.send(req, into)
}

func (h *httpc) get(u, bearer string) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	return h.send(req, nil)
}

// clientToken runs one client_credentials grant and returns the access token.
func (h *httpc) clientToken(oidc, client, secret string) (string, error) {
	var tok tokenResponse
	st, err := h.postForm(oidc+"/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {client}, "client_secret": {secret}}, &tok)
	if err != nil {
		return "", err
	}
	if st != http.StatusOK {
		return "", fmt.Errorf("token endpoint answered %d", st)
	}
	return tok.AccessToken, nil
}
