package adminapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// UserResource's credential extras: disabling credential types, labels,
// order, and the user-storage credential types.

func (h *Handler) mountUserExtras(mux router) {
	const base = "/admin/realms/{realm}/users/{id}"
	h.realmRoute(mux, "PUT "+base+"/disable-credential-types", h.disableCredentialTypes)
	h.realmRoute(mux, "PUT "+base+"/credentials/{credId}/userLabel", h.setCredentialLabel)
	h.realmRoute(mux, "POST "+base+"/credentials/{credId}/moveToFirst", h.moveCredential)
	h.realmRoute(mux, "POST "+base+"/credentials/{credId}/moveAfter/{prevId}", h.moveCredential)
	h.realmRoute(mux, "GET "+base+"/configured-user-storage-credential-types", h.userStorageCredentialTypes)
}

// disableCredentialTypes is PUT /disable-credential-types (manage-users),
// body ["otp", ...]. For a user stored locally Keycloak's credential
// providers disable nothing: the password provider's disableCredentialType
// is empty and the OTP provider is no CredentialInputUpdater; only a user
// federation provider acts on it. latchkey has no federation, so this
// checks, reads the body and changes nothing, as Keycloak does.
func (h *Handler) disableCredentialTypes(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.manageUsers() {
		return errForbidden
	}
	var types []string
	if err := decode(q, &types); err != nil {
		return err
	}
	_ = u
	return q.noContent()
}

// userCredential loads the credential in the path: 404 "Credential not
// found" for a caller who may query users, 403 for others.
func (h *Handler) userCredential(q *req, creds []model.Credential, id string) (int, error) {
	i := slices.IndexFunc(creds, func(c model.Credential) bool { return c.ID == id })
	if i < 0 {
		if q.perms.queryUsers() {
			return -1, notFound("Credential not found")
		}
		return -1, errForbidden
	}
	return i, nil
}

// setCredentialLabel is PUT /credentials/{credId}/userLabel, a text/plain
// body (manage-users: Keycloak's requireResetPassword).
func (h *Handler) setCredentialLabel(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.manageUsers() {
		return errForbidden
	}
	mt, _, err := mime.ParseMediaType(q.r.Header.Get("Content-Type"))
	if err != nil || mt != "text/plain" {
		return jaxrs(http.StatusUnsupportedMediaType, "HTTP 415 Unsupported Media Type")
	}
	b, err := io.ReadAll(http.MaxBytesReader(q.w, q.r.Body, 64<<10))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return jaxrs(http.StatusRequestEntityTooLarge, "HTTP 413 Request Entity Too Large")
		}
		return err
	}
	label := string(b)
	ctx := q.r.Context()
	credID := q.r.PathValue("credId")
	creds, err := h.Store.ListCredentials(ctx, u.ID)
	if err != nil {
		return err
	}
	if _, err := h.userCredential(q, creds, credID); err != nil {
		return err
	}
	if strings.TrimSpace(label) == "" {
		return httpapi.OAuthError(http.StatusBadRequest, "missingCredentialLabel", "Credential label must not be empty")
	}
	err = h.Store.InTx(ctx, func(tx store.Store) error {
		creds, err := tx.ListCredentials(ctx, u.ID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(creds, func(c model.Credential) bool { return c.ID == credID })
		if i < 0 {
			return store.ErrNotFound
		}
		c := creds[i]
		c.UserLabel = label
		return tx.UpdateCredential(ctx, &c)
	})
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Credential not found")
	} else if err != nil {
		return err
	}
	return q.noContent()
}

// priorityStep is Keycloak's PRIORITY_DIFFERENCE: credentials are
// renumbered 10, 20, 30 ... in their new order.
const priorityStep = 10

// moveCredential is POST /credentials/{credId}/moveToFirst and
// /moveAfter/{prevId} (manage-users). An unknown previous credential
// changes nothing (Keycloak logs it and answers 204).
func (h *Handler) moveCredential(q *req) error {
	u, err := h.targetUser(q)
	if err != nil {
		return err
	}
	if !q.perms.manageUsers() {
		return errForbidden
	}
	ctx := q.r.Context()
	credID, prevID := q.r.PathValue("credId"), q.r.PathValue("prevId")
	creds, err := h.Store.ListCredentials(ctx, u.ID)
	if err != nil {
		return err
	}
	if _, err := h.userCredential(q, creds, credID); err != nil {
		return err
	}
	err = h.Store.InTx(ctx, func(tx store.Store) error {
		creds, err := tx.ListCredentials(ctx, u.ID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(creds, func(c model.Credential) bool { return c.ID == credID })
		if i < 0 {
			return store.ErrNotFound
		}
		moved := creds[i]
		rest := slices.Delete(slices.Clone(creds), i, i+1)
		at := 0
		if prevID != "" {
			p := slices.IndexFunc(rest, func(c model.Credential) bool { return c.ID == prevID })
			if p < 0 {
				return nil
			}
			at = p + 1
		}
		order := slices.Insert(rest, at, moved)
		for n, c := range order {
			if want := (n + 1) * priorityStep; c.Priority != want {
				c.Priority = want
				if err := tx.UpdateCredential(ctx, &c); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Credential not found")
	} else if err != nil {
		return err
	}
	return q.noContent()
}

// userStorageCredentialTypes is GET /configured-user-storage-credential-
// types (view-users): always empty for users not backed by a user storage
// provider, which latchkey's all are.
func (h *Handler) userStorageCredentialTypes(q *req) error {
	if _, err := h.targetUser(q); err != nil {
		return err
	}
	if !q.perms.viewUsers() {
		return errForbidden
	}
	return q.json([]string{})
}
