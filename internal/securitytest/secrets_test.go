package securitytest_test

import (
	"net"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Secrets of the flow; letters, digits and dashes only, so that a log
// line would show them as they are.
const (
	backendSecret = "Backend-client-secret-9fK2mQ7x"
	smtpPassword  = "Smtp-relay-password-4Rt8wZ"
	adminCreatePw = "Admin-created-pw-3Lq9"
	registerPw    = "Self-registered-pw-6Vn2"
	resetPw       = "Reset-by-admin-pw-8Hc5"
	viewerPw      = "Viewer-only-pw-2Jd7"
	wrongPw       = "Wrong-guess-pw-5Xy1"
)

// secrets is what must not show, by name.
type secrets map[string]string

// addJWT records a token, and its signature alone: a log line that cut
// the token would still show the signature.
func (s secrets) addJWT(name, tok string) {
	if tok == "" {
		return
	}
	s[name] = tok
	if i := strings.LastIndex(tok, "."); i > 0 && len(tok)-i > 20 {
		s[name+" (signature)"] = tok[i+1:]
	}
}

// leaks reports every secret found in text (where names the text).
func leaks(t *testing.T, where, text string, sec secrets, code string) {
	t.Helper()
	for name, v := range sec {
		if v != "" && strings.Contains(text, v) {
			t.Errorf("LEAK: %s shows the %s", where, name)
		}
	}
	if code != "" && regexp.MustCompile(`(^|[^0-9])`+code+`([^0-9]|$)`).MatchString(text) {
		t.Errorf("LEAK: %s shows the verification code %s", where, code)
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	s := startServer(t)
	sec := secrets{"bootstrap admin password": adminPassword, "client secret": backendSecret,
		"SMTP password": smtpPassword, "admin-created user's password": adminCreatePw,
		"self-registered user's password": registerPw, "reset password": resetPw,
		"viewer's password": viewerPw, "wrong password": wrongPw}
	tok := s.adminToken()
	sec.addJWT("master admin access token", tok)

	// A realm that verifies email (mails to the start-dev sink), with
	// events and admin events with details on.
	want(t, "create realm", s.call("POST", "/admin/realms", tok, map[string]any{
		"realm": "shop", "enabled": true, "registrationAllowed": true, "verifyEmail": true,
		"eventsEnabled": true, "adminEventsEnabled": true, "adminEventsDetailsEnabled": true,
		"attributes": map[string]string{"registrationRateLimitPerAddress": "0",
			"registrationRateLimitPerRealm": "0", "verifyRateLimitPerAddress": "0"}}), 201)
	// A realm with an SMTP relay that needs a password; the relay is a
	// closed loopback port, so the mail fails and is logged.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	want(t, "create mailer realm", s.call("POST", "/admin/realms", tok, map[string]any{
		"realm": "mailer", "enabled": true, "adminEventsEnabled": true, "adminEventsDetailsEnabled": true,
		"smtpServer": map[string]string{"host": "127.0.0.1", "port": port, "from": "noreply@mailer.test",
			"auth": "true", "user": "relay", "password": smtpPassword}}), 201)
	mailerUser := createdID(t, "mailer user", s.call("POST", "/admin/realms/mailer/users", tok, map[string]any{
		"username": "mona", "email": "mona@example.com", "enabled": true}))
	want(t, "send-verify-email through the relay",
		s.call("PUT", "/admin/realms/mailer/users/"+mailerUser+"/send-verify-email", tok, nil), 204)

	want(t, "confidential client", s.call("POST", "/admin/realms/shop/clients", tok, map[string]any{
		"clientId": "backend", "publicClient": false, "secret": backendSecret,
		"serviceAccountsEnabled": true, "directAccessGrantsEnabled": true}), 201)
	want(t, "public client", s.call("POST", "/admin/realms/shop/clients", tok, map[string]any{
		"clientId": "app", "publicClient": true, "directAccessGrantsEnabled": true,
		"redirectUris": []string{"https://app.test/*"}}), 201)

	// Users: one by the admin API with a password, one self-registered.
	aliceID := createdID(t, "admin create", s.call("POST", "/admin/realms/shop/users", tok, map[string]any{
		"username": "alice", "email": "alice@example.com", "firstName": "Alice", "lastName": "L",
		"enabled": true, "emailVerified": true,
		"credentials": []map[string]any{{"type": "password", "value": adminCreatePw, "temporary": false}}}))
	want(t, "register", s.call("POST", "/realms/shop/protocol/openid-connect/registrations", "", map[string]any{
		"username": "bobby", "email": "bob@example.com", "firstName": "Bob", "lastName": "B",
		"password": registerPw}), 201)

	// The verification mail: its code and its action token.
	// The sink writes in place: read again until the mail is whole.
	var code, actionToken string
	var mails []devMail
	for i := 0; i < 200 && (code == "" || actionToken == ""); i++ {
		if i > 0 {
			time.Sleep(25 * time.Millisecond)
		}
		mails = s.waitMails(1)
		for _, m := range mails {
			if c := regexp.MustCompile(`code in the app instead: ([0-9]{6})`).FindStringSubmatch(m.Text); c != nil {
				code = c[1]
			}
			if k := regexp.MustCompile(`key=([A-Za-z0-9._-]+)`).FindStringSubmatch(m.Text); k != nil {
				actionToken = k[1]
			}
		}
	}
	if code == "" || actionToken == "" {
		t.Fatalf("no code or link in the mail:\n%s", mails[0].Text)
	}
	sec.addJWT("action token", actionToken)
	want(t, "verify by code", s.call("POST", "/realms/shop/protocol/openid-connect/registrations/verify", "",
		map[string]any{"email": "bob@example.com", "code": code}), 204)
	r := s.call("GET", "/realms/shop/login-actions/action-token?key="+url.QueryEscape(actionToken), "", nil)
	if r.Status >= 500 {
		t.Fatalf("action token link: %d %s", r.Status, r.Body)
	}

	// Grants: password (confidential, with ID token), client_credentials,
	// refresh, introspect, userinfo, logout.
	pw := s.token("shop", url.Values{"grant_type": {"password"}, "username": {"alice"},
		"password": {adminCreatePw}, "scope": {"openid"}}, "backend", backendSecret)
	for _, k := range []string{"access_token", "refresh_token", "id_token"} {
		v, _ := pw[k].(string)
		sec.addJWT("password grant "+k, v)
	}
	bobTok := s.token("shop", url.Values{"grant_type": {"password"}, "client_id": {"app"}, "username": {"bobby"},
		"password": {registerPw}}, "", "")
	sec.addJWT("self-registered user's access token", bobTok["access_token"].(string))
	sec.addJWT("self-registered user's refresh token", bobTok["refresh_token"].(string))
	cc := s.token("shop", url.Values{"grant_type": {"client_credentials"}, "client_id": {"backend"},
		"client_secret": {backendSecret}}, "", "")
	sec.addJWT("client_credentials access token", cc["access_token"].(string))
	ref := s.token("shop", url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {pw["refresh_token"].(string)}}, "backend", backendSecret)
	sec.addJWT("refreshed access token", ref["access_token"].(string))
	sec.addJWT("refreshed refresh token", ref["refresh_token"].(string))
	in := s.form("/realms/shop/protocol/openid-connect/token/introspect",
		url.Values{"token": {ref["access_token"].(string)}}, "backend", backendSecret)
	if in.Status != 200 || in.obj(t)["active"] != true {
		t.Fatalf("introspect: %d %s", in.Status, in.Body)
	}
	want(t, "userinfo", s.call("GET", "/realms/shop/protocol/openid-connect/userinfo", ref["access_token"].(string), nil), 200)
	want(t, "logout", s.form("/realms/shop/protocol/openid-connect/logout",
		url.Values{"refresh_token": {ref["refresh_token"].(string)}}, "backend", backendSecret), 204)

	// Reset password, log in with it, then a failed login.
	want(t, "reset-password", s.call("PUT", "/admin/realms/shop/users/"+aliceID+"/reset-password", tok,
		map[string]any{"type": "password", "value": resetPw, "temporary": false}), 204)
	s.token("shop", url.Values{"grant_type": {"password"}, "client_id": {"app"}, "username": {"alice"},
		"password": {resetPw}}, "", "")
	bad := s.form("/realms/shop/protocol/openid-connect/token", url.Values{"grant_type": {"password"},
		"client_id": {"app"}, "username": {"alice"}, "password": {wrongPw}}, "", "")
	want(t, "wrong password", bad, 401)
	bad = s.form("/realms/shop/protocol/openid-connect/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {"backend"}, "client_secret": {backendSecret + "-wrong"}}, "", "")
	want(t, "wrong client secret", bad, 401)

	// A caller who may only view: the client secret is masked for it.
	viewer := s.viewer(tok)
	sec.addJWT("viewer's access token", viewer)

	// Every admin representation, as the master admin and as the viewer.
	users := s.call("GET", "/admin/realms/shop/users", tok, nil)
	var list []map[string]any
	users.json(t, &list)
	paths := []string{"/admin/realms", "/admin/realms/shop", "/admin/realms/mailer", "/admin/realms/shop/users",
		"/admin/realms/shop/events", "/admin/realms/shop/admin-events", "/admin/realms/mailer/admin-events",
		"/admin/realms/master/admin-events", "/admin/realms/shop/events/config", "/admin/realms/shop/roles",
		"/admin/realms/shop/keys"}
	for _, u := range list {
		id := u["id"].(string)
		paths = append(paths, "/admin/realms/shop/users/"+id, "/admin/realms/shop/users/"+id+"/credentials",
			"/admin/realms/shop/users/"+id+"/sessions")
	}
	adminOnly := secrets{}
	for k, v := range sec {
		if k != "client secret" {
			adminOnly[k] = v
		}
	}
	for _, p := range paths {
		for _, c := range []struct {
			who, tok string
			sec      secrets
		}{{"master admin", tok, sec}, {"viewer", viewer, sec}} {
			r := s.call("GET", p, c.tok, nil)
			if r.Status == 200 {
				leaks(t, "GET "+p+" ("+c.who+")", r.Body, c.sec, code)
			}
		}
	}
	// Clients: the secret in clear only to manage-clients (Keycloak 26.8).
	for _, p := range []string{"/admin/realms/shop/clients", "/admin/realms/shop/clients?clientId=backend"} {
		leaks(t, "GET "+p+" (master admin)", s.call("GET", p, tok, nil).Body, adminOnly, code)
		r := s.call("GET", p, viewer, nil)
		want(t, "clients as viewer", r, 200)
		leaks(t, "GET "+p+" (viewer)", r.Body, sec, code)
	}
	r = s.call("POST", "/admin/realms/shop/partial-export?exportClients=true&exportGroupsAndRoles=true", tok, nil)
	want(t, "partial export", r, 200)
	leaks(t, "partial export", r.Body, sec, code)

	// The stored events of the flow hold nothing either (checked above
	// through the API); and the log, at debug, holds none of them.
	logs := s.Logs.String()
	if !strings.Contains(logs, "level=DEBUG") && !strings.Contains(logs, "level=INFO") {
		t.Fatalf("no log captured:\n%.2000s", logs)
	}
	// The paths that could leak ran: the relay was tried, the mail sink
	// wrote a mail, the SMTP password is shown masked.
	for _, seen := range []string{"mail not sent", "mail written to a file"} {
		if !strings.Contains(logs, seen) {
			t.Errorf("the log has no %q line: the flow did not run as planned", seen)
		}
	}
	if b := s.call("GET", "/admin/realms/mailer", tok, nil).Body; !strings.Contains(b, `"password":"**********"`) {
		t.Errorf("GET realm mailer does not mask the SMTP password: %.300s", b)
	}
	leaks(t, "the debug log", logs, sec, code)
	if t.Failed() || testing.Verbose() {
		t.Logf("log:\n%s", logs)
	}
}

// viewer creates a user of realm shop with only the realm-management
// view roles and returns its access token.
func (s *server) viewer(tok string) string {
	t := s.t
	t.Helper()
	id := createdID(t, "viewer", s.call("POST", "/admin/realms/shop/users", tok, map[string]any{
		"username": "viewer", "email": "viewer@example.com", "firstName": "V", "lastName": "V",
		"enabled": true, "emailVerified": true,
		"credentials": []map[string]any{{"type": "password", "value": viewerPw, "temporary": false}}}))
	var cl []map[string]any
	s.call("GET", "/admin/realms/shop/clients?clientId=realm-management", tok, nil).json(t, &cl)
	if len(cl) != 1 {
		t.Fatalf("realm-management: %v", cl)
	}
	rm := cl[0]["id"].(string)
	var roles []map[string]any
	for _, name := range []string{"view-clients", "view-users", "view-events", "view-realm"} {
		var role map[string]any
		r := s.call("GET", "/admin/realms/shop/clients/"+rm+"/roles/"+name, tok, nil)
		want(t, "role "+name, r, 200)
		r.json(t, &role)
		roles = append(roles, role)
	}
	want(t, "map view roles", s.call("POST", "/admin/realms/shop/users/"+id+"/role-mappings/clients/"+rm, tok, roles), 204)
	m := s.token("shop", url.Values{"grant_type": {"password"}, "client_id": {"app"}, "username": {"viewer"},
		"password": {viewerPw}}, "", "")
	return m["access_token"].(string)
}
