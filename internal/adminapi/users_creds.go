package adminapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/user"
	"github.com/latchkey/latchkey/internal/verify"
)

// decodeOptional is decode for bodies JAX-RS may receive empty: an empty
// body leaves v alone and reports false.
func decodeOptional(q *req, v any) (bool, error) {
	body, err := io.ReadAll(http.MaxBytesReader(q.w, q.r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return false, jaxrs(http.StatusRequestEntityTooLarge, "HTTP 413 Request Entity Too Large")
		}
		return false, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return false, nil
	}
	q.r.Body = io.NopCloser(bytes.NewReader(body))
	if err := decode(q, v); err != nil {
		return false, err
	}
	return !bytes.Equal(bytes.TrimSpace(body), []byte("null")), nil
}

// resetPassword is PUT /users/{id}/reset-password: the password passes the
// policy (history included); temporary adds UPDATE_PASSWORD, anything else
// removes it.
func (h *Handler) resetPassword(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.manageUsers() {
		return errForbidden
	}
	var cred struct {
		Type      string  `json:"type"`
		Value     *string `json:"value"`
		Temporary *bool   `json:"temporary"`
	}
	present, err := decodeOptional(q, &cred)
	if err != nil {
		return err
	}
	if !present || cred.Value == nil {
		return jaxrs(http.StatusBadRequest, "No password provided")
	}
	if strings.TrimSpace(*cred.Value) == "" {
		return jaxrs(http.StatusBadRequest, "Empty password not allowed")
	}
	ctx := q.r.Context()
	if err := h.Passwords.Check(ctx, q.realm, u, *cred.Value); err != nil {
		return h.passwordError(q, u, err)
	}
	pol, err := h.Passwords.Policy(q.realm)
	if err != nil {
		return err
	}
	c, err := h.Passwords.NewCredential(ctx, q.realm, *cred.Value)
	if err != nil {
		return err
	}
	temporary := cred.Temporary != nil && *cred.Temporary
	err = h.Store.InTx(ctx, func(tx store.Store) error {
		if err := password.Save(ctx, tx, pol, u.ID, c, h.now()); err != nil {
			return err
		}
		cur, err := tx.GetUser(ctx, q.realm.ID, u.ID)
		if err != nil {
			return err
		}
		has := slices.Contains(cur.RequiredActions, "UPDATE_PASSWORD")
		switch {
		case temporary && !has:
			cur.RequiredActions = append(cur.RequiredActions, "UPDATE_PASSWORD")
		case !temporary && has:
			cur.RequiredActions = slices.DeleteFunc(cur.RequiredActions, func(a string) bool { return a == "UPDATE_PASSWORD" })
		default:
			return nil
		}
		return tx.UpdateUser(ctx, cur, !q.realm.DuplicateEmailsAllowed)
	})
	if errors.Is(err, store.ErrNotFound) {
		return notFound("User not found")
	} else if err != nil {
		return err
	}
	h.adminEvent(q, opAction, "USER", "users/"+u.ID+"/reset-password", nil)
	return q.noContent()
}

// credentialRep is a CredentialRepresentation without its secretData.
type credentialRep struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	UserLabel      string `json:"userLabel,omitempty"`
	CreatedDate    int64  `json:"createdDate"`
	CredentialData string `json:"credentialData,omitempty"`
}

// listCredentials is GET /users/{id}/credentials. Password history is
// kept as credentials too; like Keycloak's console, it is not listed.
func (h *Handler) listCredentials(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.viewUsers() {
		return errForbidden
	}
	creds, err := h.Store.ListCredentials(q.r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := []credentialRep{}
	for _, c := range creds {
		if c.Type == model.CredentialPasswordHistory {
			continue
		}
		out = append(out, credentialRep{ID: c.ID, Type: c.Type, UserLabel: c.UserLabel,
			CreatedDate: c.CreatedAt.UnixMilli(), CredentialData: c.CredentialData})
	}
	return q.json(out)
}

// deleteCredential is DELETE /users/{id}/credentials/{credId}.
func (h *Handler) deleteCredential(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.manageUsers() {
		return errForbidden
	}
	id := q.r.PathValue("credId")
	err = h.Store.DeleteCredential(q.r.Context(), u.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		if q.perms.queryUsers() {
			return notFound("Credential not found")
		}
		return errForbidden
	} else if err != nil {
		return err
	}
	h.adminEvent(q, opAction, "USER", "users/"+u.ID+"/credentials/"+id, nil)
	return q.noContent()
}

// sendVerifyEmail is PUT /users/{id}/send-verify-email: Keycloak's checks,
// then the verify-email mail (link and code) goes through the outbox.
func (h *Handler) sendVerifyEmail(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.manageUsers() {
		return errForbidden
	}
	vr, err := h.checkEmailParams(q, u)
	if err != nil {
		return err
	}
	if h.Verify == nil {
		return httpapi500("Failed to send verify email")
	}
	if err := h.Store.InTx(q.r.Context(), func(tx store.Store) error {
		return h.Verify.EnqueueVerifyEmail(q.r.Context(), tx, q.realm, u, vr)
	}); err != nil {
		return err
	}
	h.Verify.Sent(q.r.Context(), q.realm, u, vr.ClientID, vr.IP)
	h.adminEvent(q, opAction, "USER", "users/"+u.ID+"/send-verify-email", nil)
	return q.noContent()
}

// executeActionsEmail is PUT /users/{id}/execute-actions-email with a body
// of required-action ids: the mail carries an execute-actions link.
func (h *Handler) executeActionsEmail(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.manageUsers() {
		return errForbidden
	}
	vr, err := h.checkEmailParams(q, u)
	if err != nil {
		return err
	}
	var actions []string
	if _, err := decodeOptional(q, &actions); err != nil {
		return err
	}
	for _, a := range actions {
		if !user.KnownRequiredAction(a) {
			return badRequest("Provided invalid required actions")
		}
	}
	if h.Verify == nil {
		return httpapi500("Failed to send execute actions email: Error when attempting to send the email to the server. More information is available in the server log.")
	}
	if err := h.Store.InTx(q.r.Context(), func(tx store.Store) error {
		return h.Verify.EnqueueExecuteActions(q.r.Context(), tx, q.realm, u, actions, vr)
	}); err != nil {
		return err
	}
	if h.Verify.Outbox != nil {
		h.Verify.Outbox.Nudge()
	}
	h.adminEvent(q, opAction, "USER", "users/"+u.ID+"/execute-actions-email", actions)
	return q.noContent()
}

// checkEmailParams is UserResource.verifySendEmailParams; it returns where
// the mail's link leads.
func (h *Handler) checkEmailParams(q *req, u *model.User) (verify.Request, error) {
	v := q.r.URL.Query()
	life, err := intParam(v, "lifespan")
	if err != nil {
		return verify.Request{}, err
	}
	if u.Email == "" {
		return verify.Request{}, badRequest("User email missing")
	}
	if !u.Enabled {
		return verify.Request{}, badRequest("User is disabled")
	}
	redirect, hasRedirect := v.Get("redirect_uri"), v.Has("redirect_uri")
	clientID := "account"
	if v.Has("client_id") {
		clientID = v.Get("client_id")
	} else if hasRedirect {
		return verify.Request{}, badRequest("Client id missing")
	}
	c, err := h.Store.GetClientByClientID(q.r.Context(), q.realm.ID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return verify.Request{}, badRequest("Client doesn't exist")
	} else if err != nil {
		return verify.Request{}, err
	}
	if !c.Enabled {
		return verify.Request{}, badRequest("Client is not enabled")
	}
	if hasRedirect && !httpapi.RedirectAllowed(redirect, c.RedirectURIs, c.RootURL) {
		return verify.Request{}, badRequest("Invalid redirect uri.")
	}
	vr := verify.Request{Base: q.base, Issuer: q.base + "/realms/" + q.realm.Name, ClientID: clientID,
		RedirectURI: redirect, ByAdmin: true, IP: remoteIP(q)}
	if life != nil && *life > 0 {
		vr.Lifespan = time.Duration(*life) * time.Second
	}
	return vr, nil
}

// httpapi500 is ErrorResponse.error(msg, 500).
func httpapi500(msg string) error {
	e := badRequest(msg)
	e.Status = http.StatusInternalServerError
	return e
}
