package mail_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/mail"
)

func TestParseSettingsKeycloakMap(t *testing.T) {
	// As Keycloak 26 stores it (keycloak-users.md 5.4).
	got, err := mail.ParseSettings(map[string]string{
		"host": "smtp.example.com", "port": "587", "from": "noreply@example.com",
		"fromDisplayName": "Example", "replyTo": "", "replyToDisplayName": "", "envelopeFrom": "",
		"ssl": "false", "starttls": "true", "auth": "true", "user": "apikey", "password": "s3cret",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := mail.Settings{Host: "smtp.example.com", Port: 587, From: "noreply@example.com",
		FromDisplayName: "Example", StartTLS: true, Auth: true, User: "apikey", Password: "s3cret"}
	if got != want {
		t.Errorf("ParseSettings = %+v, want %+v", got, want)
	}
	if !got.Configured() {
		t.Error("Configured = false")
	}
	for _, m := range []map[string]string{nil, {}, {"host": " ", "from": "x"}} {
		if s, err := mail.ParseSettings(m); err != nil || s.Configured() {
			t.Errorf("ParseSettings(%v) = %+v, %v; want not configured", m, s, err)
		}
	}
}

func TestParseSettingsErrorsNameTheKey(t *testing.T) {
	base := func(kv ...string) map[string]string {
		m := map[string]string{"host": "smtp.example.com", "from": "noreply@example.com"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		m   map[string]string
		key string
	}{
		{base("port", "smtp"), "port"},
		{base("port", "0"), "port"},
		{base("port", "70000"), "port"},
		{base("ssl", "yes"), "ssl"},
		{base("starttls", "TRUE"), "starttls"},
		{base("auth", "1"), "auth"},
		{base("from", ""), "from"},
		{base("from", "Example <noreply@example.com>"), "from"},
		{base("replyTo", "not an address"), "replyTo"},
		{base("envelopeFrom", "a@b@c"), "envelopeFrom"},
		{base("auth", "true", "password", "p"), "user"},
		{base("auth", "true", "user", "u"), "password"},
		{base("auth", "true", "user", "u", "password", "${vault.smtp}"), "password"},
		{base("ssl", "true", "starttls", "true"), "starttls"},
		{base("host", "smtp.example.com:587"), "host"},
	} {
		_, err := mail.ParseSettings(c.m)
		var se *mail.SettingError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "smtpServer."+c.key+":") {
			t.Errorf("ParseSettings(%v) = %v, want an error naming smtpServer.%s", c.m, err, c.key)
		}
	}
	// Every problem at once.
	_, err := mail.ParseSettings(base("port", "x", "ssl", "y"))
	if err == nil || !strings.Contains(err.Error(), "smtpServer.port") || !strings.Contains(err.Error(), "smtpServer.ssl") {
		t.Errorf("two problems reported as %v", err)
	}
	// An IPv6 host is fine.
	if _, err := mail.ParseSettings(base("host", "::1")); err != nil {
		t.Errorf("IPv6 host: %v", err)
	}
}

func TestSettingsNeverShowThePassword(t *testing.T) {
	s, err := mail.ParseSettings(map[string]string{"host": "smtp.example.com", "from": "a@example.com",
		"auth": "true", "user": "apikey", "password": "hunter2-secret", "starttls": "true"})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("settings", "smtp", s)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("settings", "smtp", s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s), logs.String()} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("the password shows: %s", out)
		}
	}
	if !strings.Contains(logs.String(), "smtp.example.com") {
		t.Errorf("the log lacks the host: %s", logs.String())
	}
	// A bad password value is never quoted back.
	_, err = mail.ParseSettings(map[string]string{"host": "h", "from": "a@example.com", "password": "hunter2\nx"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("ParseSettings = %v", err)
	}
}
