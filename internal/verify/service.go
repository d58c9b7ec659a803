package verify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/latchkey/latchkey/internal/eventlog"
	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/mail"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
)

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// Nudger wakes the outbox worker after a commit that enqueued mail.
type Nudger interface{ Nudge() }

// Service sends and checks verifications.
type Service struct {
	Store     store.Store
	Keys      *signing.Keys
	Templates *mail.Templates
	Outbox    Nudger // may be nil
	Events    *eventlog.Recorder
	Log       *slog.Logger
	// Hostname is the configured public base URL, empty in start-dev.
	Hostname string
	// ProxyHeaders says which forwarding headers a trusted proxy sets.
	ProxyHeaders string
	Now          func() time.Time

	limits *httpapi.Limiter
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Request is who asks for a mail and where its link should lead.
type Request struct {
	// Base is the public base URL links are built on; Issuer the realm's
	// issuer (Base + /realms/{realm}).
	Base, Issuer string
	// ClientID and RedirectURI are the client the user returns to after
	// following the link, if any (checked by the caller).
	ClientID, RedirectURI string
	// Lifespan of the link and code; zero takes the realm's user-issued
	// (registration, resend) or admin-issued lifespan, per ByAdmin.
	Lifespan time.Duration
	ByAdmin  bool
	IP       string
}

// lifespan applies Keycloak's defaults and the per-type realm override
// (attribute actionTokenGeneratedByUserLifespan.verify-email ...).
func lifespan(realm *model.Realm, req Request, typ string) time.Duration {
	if req.Lifespan > 0 {
		return req.Lifespan
	}
	attr, secs := "actionTokenGeneratedByUserLifespan", realm.ActionTokenGeneratedByUserLifespan
	if req.ByAdmin {
		attr, secs = "actionTokenGeneratedByAdminLifespan", realm.ActionTokenGeneratedByAdminLifespan
	}
	if v, err := strconv.Atoi(realm.Attributes[attr+"."+typ]); err == nil && v > 0 {
		secs = v
	}
	if secs <= 0 {
		// Keycloak's defaults: 12 hours for the admin's links, the user
		// action lifespan (5 minutes) for the others.
		secs = 300
		if req.ByAdmin {
			secs = 43200
		}
	}
	return time.Duration(secs) * time.Second
}

func realmDisplay(r *model.Realm) string {
	if r.DisplayName != "" {
		return r.DisplayName
	}
	return r.Name
}

// EnqueueVerifyEmail writes, inside tx, a new code for u and the
// verify-email mail carrying the link and the code. The caller nudges the
// outbox after commit (Sent).
func (s *Service) EnqueueVerifyEmail(ctx context.Context, tx store.Store, realm *model.Realm, u *model.User, req Request) error {
	if u.Email == "" {
		return fmt.Errorf("verify: user %s has no email", u.ID)
	}
	life := lifespan(realm, req, TypeVerifyEmail)
	tok, exp, err := s.newToken(ctx, tx, realm, req.Issuer, u, TypeVerifyEmail, req.ClientID, req.RedirectURI, life, nil)
	if err != nil {
		return err
	}
	code, err := s.putCode(ctx, tx, realm, u, exp)
	if err != nil {
		return err
	}
	subject, text, html, err := s.Templates.Render(mail.KindVerifyEmail, mail.VerifyEmailData{
		Realm: realmDisplay(realm), Link: s.link(req, realm, tok), Lifespan: life, Code: code,
		Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email})
	if err != nil {
		return err
	}
	return tx.EnqueueMessage(ctx, &model.OutboxMessage{RealmID: realm.ID, UserID: u.ID, Kind: mail.KindVerifyEmail,
		To: u.Email, Subject: subject, Text: text, HTML: html})
}

// EnqueueExecuteActions writes, inside tx, the execute-actions mail.
func (s *Service) EnqueueExecuteActions(ctx context.Context, tx store.Store, realm *model.Realm, u *model.User, actions []string, req Request) error {
	if u.Email == "" {
		return fmt.Errorf("verify: user %s has no email", u.ID)
	}
	life := lifespan(realm, req, TypeExecuteActions)
	tok, _, err := s.newToken(ctx, tx, realm, req.Issuer, u, TypeExecuteActions, req.ClientID, req.RedirectURI, life, actions)
	if err != nil {
		return err
	}
	subject, text, html, err := s.Templates.Render(mail.KindExecuteActions, mail.ExecuteActionsData{
		Realm: realmDisplay(realm), Link: s.link(req, realm, tok), Lifespan: life, Actions: actions,
		Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email})
	if err != nil {
		return err
	}
	return tx.EnqueueMessage(ctx, &model.OutboxMessage{RealmID: realm.ID, UserID: u.ID, Kind: mail.KindExecuteActions,
		To: u.Email, Subject: subject, Text: text, HTML: html})
}

// link is Keycloak's action-token URL.
func (s *Service) link(req Request, realm *model.Realm, token string) string {
	return req.Base + "/realms/" + realm.Name + "/login-actions/action-token?key=" + token
}

// Sent is called after the transaction that enqueued a verify-email mail
// committed: it wakes the outbox and records SEND_VERIFY_EMAIL.
func (s *Service) Sent(ctx context.Context, realm *model.Realm, u *model.User, clientID, ip string) {
	if s.Outbox != nil {
		s.Outbox.Nudge()
	}
	s.Events.Record(ctx, realm, ip, model.Event{Type: "SEND_VERIFY_EMAIL", ClientID: clientID, UserID: u.ID,
		Details: map[string]string{"email": u.Email}})
}

// DeliveryFailed is the outbox's GaveUp hook: a verify-email mail that
// could not be delivered, after its last attempt, is recorded as Keycloak
// records a failed send (SEND_VERIFY_EMAIL_ERROR, email_send_failed).
func (s *Service) DeliveryFailed(ctx context.Context, m *model.OutboxMessage, _ error) {
	if m.Kind != mail.KindVerifyEmail {
		return
	}
	realm, err := s.Store.GetRealm(ctx, m.RealmID)
	if err != nil {
		return
	}
	s.Events.Record(ctx, realm, "", model.Event{Type: "SEND_VERIFY_EMAIL_ERROR", UserID: m.UserID,
		Error: "email_send_failed", Details: map[string]string{"email": m.To}})
}

// markVerified sets emailVerified, removes VERIFY_EMAIL and the code.
func (s *Service) markVerified(ctx context.Context, realm *model.Realm, u *model.User) error {
	return s.Store.InTx(ctx, func(tx store.Store) error {
		cur, err := tx.GetUser(ctx, realm.ID, u.ID)
		if err != nil {
			return err
		}
		if err := s.markVerifiedTx(ctx, tx, realm, cur); err != nil {
			return err
		}
		*u = *cur
		return nil
	})
}

// markVerifiedTx updates cur, read inside tx: emailVerified set,
// VERIFY_EMAIL removed, the code deleted.
func (s *Service) markVerifiedTx(ctx context.Context, tx store.Store, realm *model.Realm, cur *model.User) error {
	cur.EmailVerified = true
	cur.RequiredActions = slices.DeleteFunc(cur.RequiredActions, func(a string) bool { return a == "VERIFY_EMAIL" })
	if err := tx.UpdateUser(ctx, cur, !realm.DuplicateEmailsAllowed); err != nil {
		return err
	}
	if err := tx.DeleteCode(ctx, realm.ID, cur.ID); err != nil && !isNotFound(err) {
		return err
	}
	return nil
}
