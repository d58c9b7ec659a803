package securitytest_test

import (
	"net/http"
	"testing"
)

// CR or LF in an email or a name could become a mail header (Bcc: ...).
// Registration and the admin API refuse them before anything is written
// or mailed.
func TestLineBreaksInEmailAndNamesRefused(t *testing.T) {
	s := startServer(t)
	tok := s.adminToken()
	if r := s.call(http.MethodPost, "/admin/realms", tok, map[string]any{"realm": "crlf", "enabled": true,
		"registrationAllowed": true, "verifyEmail": true}); r.Status != http.StatusCreated {
		t.Fatalf("realm: %d %s", r.Status, r.Body)
	}
	bodies := []map[string]any{
		{"username": "u1", "email": "a@b.test\r\nBcc: victim@evil.test", "firstName": "A", "lastName": "B"},
		{"username": "u2", "email": "a@b.test\nBcc: victim@evil.test", "firstName": "A", "lastName": "B"},
		{"username": "u3", "email": "u3@b.test", "firstName": "A\r\nBcc: victim@evil.test", "lastName": "B"},
		{"username": "u4", "email": "u4@b.test", "firstName": "A", "lastName": "B\nSubject: hi"},
		{"username": "u5\r\nx", "email": "u5@b.test", "firstName": "A", "lastName": "B"},
	}
	for i, b := range bodies {
		reg := map[string]any{"password": "Line-breaks-1"}
		for k, v := range b {
			reg[k] = v
		}
		if r := s.call(http.MethodPost, "/realms/crlf/protocol/openid-connect/registrations", "", reg); r.Status != http.StatusBadRequest {
			t.Errorf("registration %d: status %d, want 400; %s", i, r.Status, r.Body)
		}
		if r := s.call(http.MethodPost, "/admin/realms/crlf/users", tok, b); r.Status != http.StatusBadRequest {
			t.Errorf("admin create %d: status %d, want 400; %s", i, r.Status, r.Body)
		}
	}
	var users []map[string]any
	s.call(http.MethodGet, "/admin/realms/crlf/users", tok, nil).json(t, &users)
	if len(users) != 0 {
		t.Errorf("refused bodies created %d users", len(users))
	}
}
