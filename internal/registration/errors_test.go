package registration_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// fe is one expected field error.
func fe(field, key, message string, params ...string) string {
	p := "[]"
	if len(params) > 0 {
		p = "[" + strings.Join(params, ",") + "]"
	}
	return `{"field":"` + field + `","errorMessage":"` + key + `","params":` + p + `,"message":"` + message + `"}`
}

// invalid is the expected 400 body of the given field errors.
func invalid(errs ...string) string {
	first := errs[0][strings.Index(errs[0], `"message":"`)+len(`"message":"`):]
	first = first[:strings.LastIndex(first, `"`)]
	return `{"error":"invalid_registration","error_description":"` + first + `","errors":[` + strings.Join(errs, ",") + `]}`
}

var (
	missingUsername  = fe("username", "missingUsernameMessage", "Please specify username.")
	missingEmail     = fe("email", "missingEmailMessage", "Please specify email.")
	missingFirstName = fe("firstName", "missingFirstNameMessage", "Please specify first name.")
	missingLastName  = fe("lastName", "missingLastNameMessage", "Please specify last name.")
	missingPassword  = fe("password", "missingPasswordMessage", "Please specify password.")
	usernameLength   = fe("username", "error-invalid-length", "Length must be between 3 and 255.", `"username"`, "3", "255")
	usernameChars    = fe("username", "error-username-invalid-character", "Value contains invalid character.", `"username"`)
	emailDomain      = fe("email", "emailDomainNotAllowedMessage", "Email domain not allowed.")
)

func invalidEmail(v string) string {
	return fe("email", "error-invalid-email", "Invalid email address.", `"email"`, `"`+v+`"`)
}

func tooLong(field string) string {
	return fe(field, "error-invalid-length-too-long", "Maximal length is 255.", `"`+field+`"`, "null", "255")
}

func nameChars(field string) string {
	return fe(field, "error-person-name-invalid-character", "Value contains invalid character.", `"`+field+`"`)
}

func pw(key, message string, params ...string) string { return fe("password", key, message, params...) }

// TestValidationErrors checks every field error with its exact body, and
// that nothing is written.
func TestValidationErrors(t *testing.T) {
	s := newServer(t, "", nil)
	s.ImportRealm(realm("policy", `"passwordPolicy":"length(8) and maxLength(20) and digits(2) and lowerCase(1) and upperCase(1) and specialChars(1) and notUsername and notContainsUsername and notEmail and regexPattern(^[^x]*$)",`, nil))
	s.ImportRealm(realm("emailname", `"registrationEmailAsUsername":true,"passwordPolicy":"notEmail",`, nil))
	s.ImportRealm(realm("allow", "", map[string]string{"registrationEmailDomainAllowList": "example.com, .corp.test"}))
	s.ImportRealm(realm("deny", "", map[string]string{"registrationEmailDomainDenyList": "mailinator.com,.spam.test"}))
	s.ImportRealm(realm("both", "", map[string]string{"registrationEmailDomainAllowList": ".corp.test", "registrationEmailDomainDenyList": "bad.corp.test"}))
	long := strings.Repeat("n", 256)

	tests := []struct {
		name, realm, body, want string
	}{
		{"empty object", "demo", `{}`,
			invalid(missingUsername, missingEmail, missingFirstName, missingLastName, missingPassword)},
		{"blank strings", "demo", `{"username":"  ","email":" ","firstName":"\t","lastName":"","password":""}`,
			invalid(missingUsername, missingEmail, missingFirstName, missingLastName, missingPassword)},
		{"nulls", "demo", `{"username":null,"email":null,"firstName":null,"lastName":null,"password":null}`,
			invalid(missingUsername, missingEmail, missingFirstName, missingLastName, missingPassword)},
		{"missing email only", "demo", body(map[string]any{"email": nil}), invalid(missingEmail)},
		{"missing names", "demo", body(map[string]any{"firstName": nil, "lastName": nil}), invalid(missingFirstName, missingLastName)},
		{"missing password", "demo", body(map[string]any{"password": nil}), invalid(missingPassword)},
		{"too-short username", "demo", body(map[string]any{"username": "ab"}), invalid(usernameLength)},
		{"too-long username", "demo", body(map[string]any{"username": strings.Repeat("u", 256)}), invalid(usernameLength)},
		{"prohibited character", "demo", body(map[string]any{"username": "j<doe>"}), invalid(usernameChars)},
		{"space inside username", "demo", body(map[string]any{"username": "j doe"}), invalid(usernameChars)},
		{"slash in username", "demo", body(map[string]any{"username": "../admin"}), invalid(usernameChars)},
		{"invalid email", "demo", body(map[string]any{"email": "not-an-email"}), invalid(invalidEmail("not-an-email"))},
		{"email without domain", "demo", body(map[string]any{"email": "jdoe@"}), invalid(invalidEmail("jdoe@"))},
		{"email with two ats", "demo", body(map[string]any{"email": "a@b@example.com"}), invalid(invalidEmail("a@b@example.com"))},
		{"over-long email", "demo", body(map[string]any{"email": strings.Repeat("e", 64) + "@" + strings.Repeat("d", 60) + "." + strings.Repeat("d", 60) + "." + strings.Repeat("d", 60) + "." + strings.Repeat("d", 60) + ".com"}),
			invalid(tooLong("email"))},
		{"over-long names", "demo", body(map[string]any{"firstName": long, "lastName": long}), invalid(tooLong("firstName"), tooLong("lastName"))},
		{"prohibited name characters", "demo", body(map[string]any{"firstName": "<script>", "lastName": "Doe$"}),
			invalid(nameChars("firstName"), nameChars("lastName"))},
		{"everything wrong at once", "demo", `{"username":"<b","email":"x","firstName":"{","password":"pw"}`,
			invalid(usernameLength, usernameChars, invalidEmail("x"), nameChars("firstName"), missingLastName)},

		// Each password-policy rule, and all of them in Keycloak's order
		// (Java HashMap order: notContainsUsername, specialChars, upperCase,
		// lowerCase, length, regexPattern, digits, notUsername, maxLength,
		// notEmail).
		{"policy: too short", "policy", body(map[string]any{"password": "Ab1!2"}),
			invalid(pw("invalidPasswordMinLengthMessage", "Invalid password: minimum length 8.", `"8"`))},
		{"policy: too long", "policy", body(map[string]any{"password": "Abcdefghijklmnop!12345"}),
			invalid(pw("invalidPasswordMaxLengthMessage", "Invalid password: maximum length 20.", `"20"`))},
		{"policy: digits", "policy", body(map[string]any{"password": "Abcdefg!1"}),
			invalid(pw("invalidPasswordMinDigitsMessage", "Invalid password: must contain at least 2 numerical digits.", `"2"`))},
		{"policy: lower case", "policy", body(map[string]any{"password": "ABCDEFG!12"}),
			invalid(pw("invalidPasswordMinLowerCaseCharsMessage", "Invalid password: must contain at least 1 lower case characters.", `"1"`))},
		{"policy: upper case", "policy", body(map[string]any{"password": "abcdefg!12"}),
			invalid(pw("invalidPasswordMinUpperCaseCharsMessage", "Invalid password: must contain at least 1 upper case characters.", `"1"`))},
		{"policy: special characters", "policy", body(map[string]any{"password": "Abcdefgh12"}),
			invalid(pw("invalidPasswordMinSpecialCharsMessage", "Invalid password: must contain at least 1 special characters.", `"1"`))},
		{"policy: regex", "policy", body(map[string]any{"password": "Abcdefx!12"}),
			invalid(pw("invalidPasswordRegexPatternMessage", "Invalid password: fails to match regex pattern(s).", `"^[^x]*$"`))},
		{"policy: equal to username, which contains it too", "policy", body(map[string]any{"username": "Ab-defg12", "password": "Ab-defg12"}),
			invalid(pw("invalidPasswordNotContainsUsernameMessage", "Invalid password: Can not contain the username."),
				pw("invalidPasswordNotUsernameMessage", "Invalid password: must not be equal to the username."))},
		{"policy: contains username", "policy", body(map[string]any{"username": "jdoe", "password": "Ajdoe!12"}),
			invalid(pw("invalidPasswordNotContainsUsernameMessage", "Invalid password: Can not contain the username."))},
		{"policy: equal to email", "policy", body(map[string]any{"email": "Ab!12c@domain.com", "password": "Ab!12c@domain.com"}),
			invalid(pw("invalidPasswordNotEmailMessage", "Invalid password: must not be equal to the email."))},
		{"policy: all in Keycloak's order", "policy", body(map[string]any{"username": "xxx", "email": "xxx@x.x", "password": "xxx"}),
			invalid(
				pw("invalidPasswordNotContainsUsernameMessage", "Invalid password: Can not contain the username."),
				pw("invalidPasswordMinSpecialCharsMessage", "Invalid password: must contain at least 1 special characters.", `"1"`),
				pw("invalidPasswordMinUpperCaseCharsMessage", "Invalid password: must contain at least 1 upper case characters.", `"1"`),
				pw("invalidPasswordMinLengthMessage", "Invalid password: minimum length 8.", `"8"`),
				pw("invalidPasswordRegexPatternMessage", "Invalid password: fails to match regex pattern(s).", `"^[^x]*$"`),
				pw("invalidPasswordMinDigitsMessage", "Invalid password: must contain at least 2 numerical digits.", `"2"`),
				pw("invalidPasswordNotUsernameMessage", "Invalid password: must not be equal to the username."))},
		{"policy with other field errors: fields first", "policy", body(map[string]any{"firstName": nil, "password": "Abcdefg!1"}),
			invalid(missingFirstName, pw("invalidPasswordMinDigitsMessage", "Invalid password: must contain at least 2 numerical digits.", `"2"`))},
		{"email as username: notEmail", "emailname", body(map[string]any{"email": "pw@example.com", "password": "pw@example.com"}),
			invalid(pw("invalidPasswordNotEmailMessage", "Invalid password: must not be equal to the email."))},
		{"email as username: no username error without email", "emailname", body(map[string]any{"email": nil}),
			invalid(missingEmail)},
		{"email as username: invalid email", "emailname", body(map[string]any{"email": "nope"}),
			invalid(invalidEmail("nope"))},

		{"allow list: other domain", "allow", body(map[string]any{"email": "a@other.com"}), invalid(emailDomain)},
		{"allow list: subdomain of an exact entry", "allow", body(map[string]any{"email": "a@sub.example.com"}), invalid(emailDomain)},
		{"allow list: lookalike suffix", "allow", body(map[string]any{"email": "a@evilcorp.test"}), invalid(emailDomain)},
		{"deny list: exact, any case", "deny", body(map[string]any{"email": "a@MailInator.com"}), invalid(emailDomain)},
		{"deny list: subdomain", "deny", body(map[string]any{"email": "a@x.spam.test"}), invalid(emailDomain)},
		{"deny list: the dotted entry's own domain", "deny", body(map[string]any{"email": "a@spam.test"}), invalid(emailDomain)},
		{"allow and deny: denied inside allowed", "both", body(map[string]any{"email": "a@bad.corp.test"}), invalid(emailDomain)},
		{"domain check and invalid email", "allow", body(map[string]any{"email": "a@other..com"}),
			invalid(emailDomain, invalidEmail("a@other..com"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(usersOf(t, s, tt.realm))
			wantJSON(t, postTo(t, s, tt.realm, tt.body), http.StatusBadRequest, tt.want)
			if after := len(usersOf(t, s, tt.realm)); after != before {
				t.Errorf("%d users before, %d after", before, after)
			}
		})
	}

	// The domain lists let the right addresses through.
	for realmName, email := range map[string]string{"allow": "ok@Example.com", "deny": "ok@spam.test.org", "both": "ok@x.corp.test"} {
		if r := postTo(t, s, realmName, body(map[string]any{"email": email})); r.Status != http.StatusCreated {
			t.Errorf("%s %s: %d %s", realmName, email, r.Status, r.Body)
		}
	}
}

// TestConflicts checks 409 username_in_use and email_in_use, whatever the
// case of the duplicate, on every backend.
func TestConflicts(t *testing.T) {
	testenv.EachServer(t, testConflicts)
}

func testConflicts(t *testing.T, s *testenv.Server) {
	s.ImportRealm(realm("demo", "", nil))
	s.ImportRealm(realm("emailname", `"registrationEmailAsUsername":true,`, nil))
	if r := post(t, s, body(map[string]any{"username": "Taken", "email": "Taken@Example.com"})); r.Status != http.StatusCreated {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if r := postTo(t, s, "emailname", body(map[string]any{"email": "Taken@Example.com"})); r.Status != http.StatusCreated {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	const (
		usernameInUse = `{"error":"username_in_use","error_description":"Username already exists."}`
		emailInUse    = `{"error":"email_in_use","error_description":"Email already exists."}`
	)
	tests := []struct{ name, realm, body, want string }{
		{"same username", "demo", body(map[string]any{"username": "taken", "email": "new1@example.com"}), usernameInUse},
		{"username in another case", "demo", body(map[string]any{"username": "TAKEN", "email": "new2@example.com"}), usernameInUse},
		{"username and email taken: username first", "demo", body(map[string]any{"username": "tAkEn", "email": "taken@example.com"}), usernameInUse},
		{"same email", "demo", body(map[string]any{"username": "other1", "email": "taken@example.com"}), emailInUse},
		{"email in another case", "demo", body(map[string]any{"username": "other2", "email": "TAKEN@EXAMPLE.COM"}), emailInUse},
		{"email as username", "emailname", body(map[string]any{"email": "TAKEN@example.com"}), usernameInUse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(usersOf(t, s, tt.realm))
			wantJSON(t, postTo(t, s, tt.realm, tt.body), http.StatusConflict, tt.want)
			if after := len(usersOf(t, s, tt.realm)); after != before {
				t.Errorf("%d users before, %d after", before, after)
			}
		})
	}
}

// TestRegistrationDisabled: 403, nothing written, REGISTER_ERROR stored.
func TestRegistrationDisabled(t *testing.T) {
	s := newServer(t, "", nil)
	s.ImportRealm(`{"realm":"closed","enabled":true,"eventsEnabled":true}`)
	s.ImportRealm(`{"realm":"closed2","enabled":true,"registrationAllowed":false}`)
	for _, realmName := range []string{"closed", "closed2"} {
		for _, b := range []string{body(nil), `{"username":`, `{}`} {
			before := len(usersOf(t, s, realmName))
			wantJSON(t, postTo(t, s, realmName, b), http.StatusForbidden,
				`{"error":"registration_disabled","error_description":"Registration not allowed"}`)
			if after := len(usersOf(t, s, realmName)); after != before {
				t.Errorf("%s: %d users before, %d after", realmName, before, after)
			}
		}
	}
	es := eventsOf(t, s, "closed", "REGISTER_ERROR")
	if len(es) != 3 {
		t.Fatalf("%d events", len(es))
	}
	for _, e := range es {
		if e.Error != "registration_disabled" || e.IPAddress != "127.0.0.1" || e.UserID != "" {
			t.Errorf("event %+v", e)
		}
	}
	if es := eventsOf(t, s, "closed2"); len(es) != 0 {
		t.Errorf("events stored without eventsEnabled: %v", es)
	}
	// An unknown realm and a disabled one.
	wantJSON(t, postTo(t, s, "nowhere", body(nil)), http.StatusNotFound, `{"error":"Realm does not exist"}`)
	s.ImportRealm(`{"realm":"offline","enabled":false,"registrationAllowed":true}`)
	wantJSON(t, postTo(t, s, "offline", body(nil)), http.StatusForbidden, `{"error":"access_denied","error_description":"Realm not enabled"}`)
	if n := len(usersOf(t, s, "offline")); n != 0 {
		t.Errorf("%d users in a disabled realm", n)
	}
}

// TestUnknownClient: a client_id that names no enabled client is refused
// before anything is written, in the query or in the body.
func TestUnknownClient(t *testing.T) {
	s := newServer(t, "", nil)
	const want = `{"error":"invalid_client","error_description":"Client not found or not enabled"}`
	for name, r := range map[string]response{
		"unknown in the query":  do(t, http.MethodPost, regURL(s, "demo")+"?client_id=nobody", strings.NewReader(body(nil)), "Content-Type", "application/json"),
		"disabled in the query": do(t, http.MethodPost, regURL(s, "demo")+"?client_id=off", strings.NewReader(body(nil)), "Content-Type", "application/json"),
		"unknown in the body":   post(t, s, body(map[string]any{"client_id": "nobody"})),
		"disabled in the body":  post(t, s, body(map[string]any{"client_id": "off", "login": true})),
	} {
		t.Run(name, func(t *testing.T) { wantJSON(t, r, http.StatusBadRequest, want) })
	}
	if n := len(users(t, s)); n != 0 {
		t.Errorf("%d users", n)
	}
}

// TestEmailAsUsernameWithDuplicateEmails: Keycloak turns
// registrationEmailAsUsername off when duplicate emails are allowed.
func TestEmailAsUsernameWithDuplicateEmails(t *testing.T) {
	s := newServer(t, `"registrationEmailAsUsername":true,"duplicateEmailsAllowed":true,`, nil)
	for _, name := range []string{"one", "two"} {
		r := post(t, s, body(map[string]any{"username": name, "email": "shared@example.com"}))
		if r.Status != http.StatusCreated || r.json(t)["username"] != name {
			t.Errorf("%d %s", r.Status, r.Body)
		}
	}
}
