package verify

import (
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/clientcors"
	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Default limits per minute, overridable with realm attributes
// verifyRateLimitPerAddress and verifyResendRateLimitPerUser ("0" off).
const (
	defaultVerifyPerAddress = 20
	defaultResendPerUser    = 1
)

const codePath = "/realms/{realm}/protocol/openid-connect/registrations/verify"

// Routes adds the verification routes.
func (s *Service) Routes(mux *http.ServeMux) {
	if s.limits == nil {
		s.limits = httpapi.NewLimiter(s.Now)
	}
	mux.Handle("GET /realms/{realm}/login-actions/action-token", httpapi.Handle(s.Log, s.actionToken))
	mux.Handle("POST "+codePath, httpapi.Handle(s.Log, s.verifyCode))
	mux.Handle("OPTIONS "+codePath, httpapi.Preflight("POST, OPTIONS", false))
	mux.Handle("POST "+codePath+"/resend", httpapi.Handle(s.Log, s.resend))
	mux.Handle("OPTIONS "+codePath+"/resend", httpapi.Preflight("POST, OPTIONS", false))
}

func (s *Service) realm(r *http.Request) (*model.Realm, error) {
	realm, err := s.Store.GetRealmByName(r.Context(), r.PathValue("realm"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, httpapi.OAuthError(http.StatusNotFound, "Realm does not exist", "")
	}
	if err == nil && !realm.Enabled {
		return nil, httpapi.OAuthError(http.StatusForbidden, "access_denied", "Realm not enabled")
	}
	return realm, err
}

func (s *Service) issuer(r *http.Request, realm *model.Realm) (base, iss string) {
	base = httpapi.BaseURL(r, s.Hostname)
	return base, base + "/realms/" + realm.Name
}

// The result page's texts, Keycloak's login messages.
const (
	msgVerified        = "Your email address has been verified."
	msgAlreadyVerified = "Your email address has been verified already."
	msgExpired         = "Action expired. Please continue with login now."
	msgStale           = "The link you clicked is an old stale link or is no longer valid. Maybe you have already verified your email."
	msgDisabled        = "Account is disabled, contact your administrator."
)

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Realm}}</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem">
<h1>{{.Realm}}</h1><p>{{.Message}}</p></body></html>
`))

func showPage(w http.ResponseWriter, status int, realm *model.Realm, msg string) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	return page.Execute(w, struct{ Realm, Message string }{realmDisplay(realm), msg})
}

// actionToken is the link of the mail (Keycloak's
// login-actions/action-token): it verifies the email, then redirects to
// the client's redirect_uri when one was given and is valid for it, or
// shows a small page.
func (s *Service) actionToken(w http.ResponseWriter, r *http.Request) error {
	realm, err := s.realm(r)
	if err != nil {
		return err
	}
	ip := httpapi.ClientIP(r, s.ProxyHeaders)
	_, iss := s.issuer(r, realm)
	ev := model.Event{Type: "VERIFY_EMAIL_ERROR"}
	c, err := s.parseToken(r.Context(), realm, iss, r.URL.Query().Get("key"))
	switch {
	case errors.Is(err, ErrTokenExpired):
		s.Events.Record(r.Context(), realm, ip, withError(ev, "expired_code"))
		return showPage(w, http.StatusBadRequest, realm, msgExpired)
	case errors.Is(err, ErrTokenInvalid):
		s.Events.Record(r.Context(), realm, ip, withError(ev, "invalid_code"))
		return showPage(w, http.StatusBadRequest, realm, msgStale)
	case err != nil:
		return err
	}
	ev.ClientID, ev.UserID = c.Azp, c.Sub
	u, err := s.Store.GetUser(r.Context(), realm.ID, c.Sub)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !strings.EqualFold(u.Email, c.Eml)) {
		// The user is gone, or the email changed since the mail was sent.
		s.Events.Record(r.Context(), realm, ip, withError(ev, "invalid_email"))
		return showPage(w, http.StatusBadRequest, realm, msgStale)
	} else if err != nil {
		return err
	}
	if !u.Enabled {
		// Keycloak refuses every action token of a disabled user.
		s.Events.Record(r.Context(), realm, ip, withError(ev, "user_disabled"))
		return showPage(w, http.StatusBadRequest, realm, msgDisabled)
	}
	// Actions other than VERIFY_EMAIL need a form (UPDATE_PASSWORD ...):
	// latchkey has no browser pages yet, so the page asks for them in the
	// application.
	var rest []string
	if c.Typ == TypeExecuteActions {
		rest = slices.DeleteFunc(slices.Clone(c.Actions), func(a string) bool { return a == "VERIFY_EMAIL" })
	}
	todo := ""
	if len(rest) > 0 {
		todo = "Please complete these actions in your application: " + strings.Join(rest, ", ") + "."
	}
	if c.Typ == TypeExecuteActions && !hasAction(c.Actions, "VERIFY_EMAIL") {
		return showPage(w, http.StatusOK, realm, todo)
	}
	msg := msgVerified
	if u.EmailVerified && !hasAction(u.RequiredActions, "VERIFY_EMAIL") {
		msg = msgAlreadyVerified
		s.Events.Record(r.Context(), realm, ip, withError(ev, "email_already_verified"))
	} else {
		if err := s.markVerified(r.Context(), realm, u); err != nil {
			return err
		}
		s.Events.Record(r.Context(), realm, ip, model.Event{Type: "VERIFY_EMAIL", ClientID: c.Azp, UserID: u.ID,
			Details: map[string]string{"email": u.Email}})
	}
	if c.Reduri != "" && s.redirectValid(r, realm, c.Azp, c.Reduri) {
		http.Redirect(w, r, c.Reduri, http.StatusFound)
		return nil
	}
	if todo != "" {
		msg += " " + todo
	}
	return showPage(w, http.StatusOK, realm, msg)
}

func (s *Service) redirectValid(r *http.Request, realm *model.Realm, clientID, uri string) bool {
	if clientID == "" {
		return false
	}
	c, err := s.Store.GetClientByClientID(r.Context(), realm.ID, clientID)
	return err == nil && c.Enabled && httpapi.RedirectAllowed(uri, c.RedirectURIs, c.RootURL)
}

func hasAction(actions []string, a string) bool {
	for _, x := range actions {
		if x == a {
			return true
		}
	}
	return false
}

func withError(e model.Event, id string) model.Event {
	e.Error = id
	return e
}

// codeInput is a code submission or a resend request.
type codeInput struct {
	Email    string `json:"email"`
	Username string `json:"username"`
	Code     string `json:"code"`
	ClientID string `json:"client_id"`
}

func readInput(w http.ResponseWriter, r *http.Request) (*codeInput, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, httpapi.OAuthError(http.StatusUnsupportedMediaType, "invalid_request", "Content-Type must be application/json")
	}
	var in codeInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	if err := dec.Decode(&in); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, httpapi.OAuthError(http.StatusRequestEntityTooLarge, "invalid_request", "Request body too large")
		}
		return nil, httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Malformed JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Malformed JSON")
	}
	in.Email, in.Username = strings.TrimSpace(in.Email), strings.TrimSpace(in.Username)
	if (in.Email == "") == (in.Username == "") {
		return nil, httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Give either email or username")
	}
	return &in, nil
}

// findUser looks the account up; a missing one is nil, not an error.
func (s *Service) findUser(r *http.Request, realm *model.Realm, in *codeInput) (*model.User, error) {
	var u *model.User
	var err error
	if in.Email != "" {
		u, err = s.Store.GetUserByEmail(r.Context(), realm.ID, in.Email)
	} else {
		u, err = s.Store.GetUserByUsername(r.Context(), realm.ID, in.Username)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return u, err
}

// accountRequest runs the steps the code and resend endpoints share: the
// realm, the per-address limit (kind separates the two endpoints' counts),
// the body, CORS, and the account it names (nil when there is none).
func (s *Service) accountRequest(w http.ResponseWriter, r *http.Request, kind string) (*model.Realm, *codeInput, *model.User, string, error) {
	realm, err := s.realm(r)
	if err != nil {
		return nil, nil, nil, "", err
	}
	ip := httpapi.ClientIP(r, s.ProxyHeaders)
	if err := s.limit(realm, kind+"|"+realm.ID+"|"+ip, "verifyRateLimitPerAddress", defaultVerifyPerAddress); err != nil {
		return nil, nil, nil, "", err
	}
	in, err := readInput(w, r)
	if err != nil {
		return nil, nil, nil, "", err
	}
	cors, err := clientcors.Policy(r.Context(), s.Store, realm, in.ClientID)
	if err != nil {
		return nil, nil, nil, "", err
	}
	cors.Apply(w, r)
	u, err := s.findUser(r, realm, in)
	return realm, in, u, ip, err
}

var errBadCode = httpapi.OAuthError(http.StatusBadRequest, "invalid_code", "Invalid or expired code")

// verifyCode is latchkey's code endpoint: 204 when the code is right. Every
// failure answers the same, so it tells nothing about which accounts exist.
func (s *Service) verifyCode(w http.ResponseWriter, r *http.Request) error {
	realm, in, u, ip, err := s.accountRequest(w, r, "verify")
	if err != nil {
		return err
	}
	ev := model.Event{Type: "VERIFY_EMAIL_ERROR", ClientID: in.ClientID}
	if u == nil || strings.TrimSpace(in.Code) == "" {
		s.Events.Record(r.Context(), realm, ip, withError(ev, "invalid_code"))
		return errBadCode
	}
	ev.UserID = u.ID
	if !u.Enabled {
		// The same answer as a wrong code: the code tells nothing more.
		s.Events.Record(r.Context(), realm, ip, withError(ev, "user_disabled"))
		return errBadCode
	}
	res, err := s.useCode(r.Context(), realm, u, strings.TrimSpace(in.Code))
	if err != nil {
		return err
	}
	if res != codeOK {
		id := "invalid_code"
		if res == codeExpired {
			id = "expired_code"
		}
		s.Events.Record(r.Context(), realm, ip, withError(ev, id))
		return errBadCode
	}
	s.Events.Record(r.Context(), realm, ip, model.Event{Type: "VERIFY_EMAIL", ClientID: in.ClientID, UserID: u.ID,
		Details: map[string]string{"email": u.Email, "method": "code"}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resend sends a new code and link to an account that still has to verify
// its email. It answers 204 whether or not there is such an account;
// a per-user limit drops extra resends silently for the same reason.
func (s *Service) resend(w http.ResponseWriter, r *http.Request) error {
	realm, in, u, ip, err := s.accountRequest(w, r, "resend")
	if err != nil {
		return err
	}
	if u != nil && u.Enabled && u.Email != "" && !u.EmailVerified && hasAction(u.RequiredActions, "VERIFY_EMAIL") {
		perUser := httpapi.RealmLimit(realm, "verifyResendRateLimitPerUser", defaultResendPerUser)
		if ok, _ := s.limits.Allow("resend-user|"+realm.ID+"|"+u.ID, perUser); ok {
			base, iss := s.issuer(r, realm)
			req := Request{Base: base, Issuer: iss, ClientID: in.ClientID, IP: ip}
			if err := s.Store.InTx(r.Context(), func(tx store.Store) error {
				return s.EnqueueVerifyEmail(r.Context(), tx, realm, u, req)
			}); err != nil {
				return err
			}
			s.Sent(r.Context(), realm, u, in.ClientID, ip)
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) limit(realm *model.Realm, key, attr string, def int) error {
	if ok, wait := s.limits.Allow(key, httpapi.RealmLimit(realm, attr, def)); !ok {
		return httpapi.TooManyRequests("Too many attempts, retry later", wait)
	}
	return nil
}
