package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// scenario returns the request one worker sends for request number i.
func scenario(c config, client *http.Client) (func(i int) (int, error), error) {
	oidc := c.base + "/realms/" + c.realm + "/protocol/openid-connect"
	runID := time.Now().UnixNano()
	send := func(req *http.Request) (int, error) {
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	switch c.scenario {
	case "register":
		return func(i int) (int, error) {
			name := fmt.Sprintf("u%d-%d", runID, i)
			body := fmt.Sprintf(`{"username":%q,"email":"%s@bench.test","firstName":"Bench","lastName":"User","password":%q}`,
				name, name, c.password)
			req, _ := http.NewRequest(http.MethodPost, oidc+"/registrations", bytes.NewBufferString(body))
			req.Header.Set("Content-Type", "application/json")
			return send(req)
		}, nil
	case "login":
		// Logs in users registered beforehand by a register run: -n must not
		// exceed how many exist; they are named from that run's output.
		users, err := registerUsers(c, client, oidc, runID)
		if err != nil {
			return nil, err
		}
		return func(i int) (int, error) {
			form := url.Values{"grant_type": {"password"}, "client_id": {c.client},
				"username": {users[i%len(users)]}, "password": {c.password}}
			req, _ := http.NewRequest(http.MethodPost, oidc+"/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return send(req)
		}, nil
	case "client-credentials":
		return func(int) (int, error) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.client}, "client_secret": {c.secret}}
			req, _ := http.NewRequest(http.MethodPost, oidc+"/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return send(req)
		}, nil
	}
	return nil, fmt.Errorf("unknown scenario %q", c.scenario)
}

// registerUsers creates a small pool of users for the login scenario.
func registerUsers(c config, client *http.Client, oidc string, runID int64) ([]string, error) {
	var users []string
	for i := 0; i < max(c.concurrency*4, 16); i++ {
		name := fmt.Sprintf("login%d-%d", runID, i)
		body := fmt.Sprintf(`{"username":%q,"email":"%s@bench.test","firstName":"Bench","lastName":"User","password":%q}`,
			name, name, c.password)
		resp, err := client.Post(oidc+"/registrations", "application/json", bytes.NewBufferString(body))
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("preparing users: registration answered %d", resp.StatusCode)
		}
		users = append(users, name)
	}
	return users, nil
}
