package adminapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/store"
)

func (h *Handler) mountClients(mux router) {
	h.realmRoute(mux, "GET /admin/realms/{realm}/clients", h.listClients)
	h.realmRoute(mux, "POST /admin/realms/{realm}/clients", h.createClient)
	h.realmRoute(mux, "GET /admin/realms/{realm}/clients/{id}", h.getClient)
	h.realmRoute(mux, "PUT /admin/realms/{realm}/clients/{id}", h.updateClient)
	h.realmRoute(mux, "DELETE /admin/realms/{realm}/clients/{id}", h.deleteClient)
	h.realmRoute(mux, "GET /admin/realms/{realm}/clients/{id}/client-secret", h.getClientSecret)
	h.realmRoute(mux, "POST /admin/realms/{realm}/clients/{id}/client-secret", h.regenerateSecret)
	h.realmRoute(mux, "GET /admin/realms/{realm}/clients/{id}/service-account-user", h.serviceAccountUser)
}

// clientRep is the ClientRepresentation latchkey returns. Admin events
// carry it without the secret; GET answers add it (withSecret).
type clientRep struct {
	model.Client
	Secret string          `json:"secret,omitempty"`
	Access map[string]bool `json:"access"`
}

func (q *req) clientRep(c *model.Client) clientRep {
	return clientRep{Client: *c, Access: map[string]bool{
		"view": q.perms.viewClients(), "configure": q.perms.manageClients(), "manage": q.perms.manageClients()}}
}

// maskedSecret is what Keycloak shows instead of a secret
// (ComponentRepresentation.SECRET_VALUE).
const maskedSecret = "**********"

// withSecret adds a confidential client's secret as Keycloak 26.8 does
// (ClientResource.getClient, StripSecretsUtils.stripClient): in clear to
// a caller who may manage clients, masked to one who may only view them.
func (q *req) withSecret(c *model.Client) clientRep {
	rep := q.clientRep(c)
	if c.PublicClient || c.BearerOnly || c.Secret == "" {
		return rep
	}
	rep.Secret = maskedSecret
	if q.perms.manageClients() {
		rep.Secret = c.Secret
	}
	return rep
}

// pathClient loads the client named by {id} (its internal id): 404 "Could
// not find client" for a caller who may list clients, 403 otherwise.
func (h *Handler) pathClient(q *req) (*model.Client, error) {
	c, err := h.Store.GetClient(q.r.Context(), q.realm.ID, q.r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		if !q.perms.listClients() {
			return nil, errForbidden
		}
		return nil, notFound("Could not find client")
	}
	return c, err
}

func (h *Handler) listClients(q *req) error {
	if !q.perms.listClients() {
		return errForbidden
	}
	v := q.r.URL.Query()
	p, err := page(v, 0)
	if err != nil {
		return err
	}
	clients, err := h.Store.ListClients(q.r.Context(), q.realm.ID,
		store.ClientQuery{ClientID: v.Get("clientId"), Search: v.Get("search") == "true", Page: p})
	if err != nil {
		return err
	}
	out := make([]any, 0, len(clients))
	for i := range clients {
		if q.perms.viewClients() {
			out = append(out, q.withSecret(&clients[i]))
		} else {
			out = append(out, map[string]string{"id": clients[i].ID, "clientId": clients[i].ClientID})
		}
	}
	return q.json(out)
}

// createClient is POST /clients with Keycloak's defaults for what the body
// leaves out; a confidential client without a secret gets one, and
// serviceAccountsEnabled creates the service-account user.
func (h *Handler) createClient(q *req) error {
	if !q.perms.manageClients() {
		return errForbidden
	}
	var rep kcrep.ClientRepresentation
	if err := decode(q, &rep); err != nil {
		return err
	}
	if rep.ClientID == "" {
		return badRequest("Client id is missing")
	}
	c := realm.ClientFromRepresentation(&rep)
	c.RealmID = q.realm.ID
	if c.RootURL != "" && len(c.RedirectURIs) == 0 {
		c.RedirectURIs = []string{c.RootURL + "/*"}
	}
	if !c.PublicClient && !c.BearerOnly && c.Secret == "" {
		c.Secret = realm.GenerateSecret()
	}
	err := h.Store.InTx(q.r.Context(), func(tx store.Store) error {
		if err := tx.CreateClient(q.r.Context(), &c); err != nil {
			return err
		}
		if c.ServiceAccountsEnabled {
			return realm.CreateServiceAccount(q.r.Context(), tx, q.realm, &c)
		}
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return conflict("Client " + c.ClientID + " already exists")
	}
	if err != nil {
		return err
	}
	h.adminEvent(q, opCreate, "CLIENT", "clients/"+c.ID, q.clientRep(&c))
	return q.created("/admin/realms/" + q.realm.Name + "/clients/" + c.ID)
}

func (h *Handler) getClient(q *req) error {
	c, err := h.pathClient(q)
	if err != nil {
		return err
	}
	if !q.perms.viewClients() {
		return errForbidden
	}
	return q.json(q.withSecret(c))
}

// updateClient applies the fields present in the body. Turning service
// accounts on creates the service-account user if it is missing; turning
// them off keeps it, as Keycloak does.
func (h *Handler) updateClient(q *req) error {
	c, err := h.pathClient(q)
	if err != nil {
		return err
	}
	if !q.perms.manageClients() {
		return errForbidden
	}
	var rep kcrep.ClientRepresentation
	if err := decode(q, &rep); err != nil {
		return err
	}
	applyClient(c, &rep)
	err = h.Store.InTx(q.r.Context(), func(tx store.Store) error {
		if err := tx.UpdateClient(q.r.Context(), c); err != nil {
			return err
		}
		return ensureServiceAccount(q.r.Context(), tx, q.realm, c)
	})
	if errors.Is(err, store.ErrConflict) {
		return conflict("Client " + c.ClientID + " already exists")
	}
	if err != nil {
		return err
	}
	h.adminEvent(q, opUpdate, "CLIENT", "clients/"+c.ID, q.clientRep(c))
	return q.noContent()
}

func ensureServiceAccount(ctx context.Context, tx store.Store, r *model.Realm, c *model.Client) error {
	if !c.ServiceAccountsEnabled {
		return nil
	}
	_, err := tx.GetServiceAccountUser(ctx, r.ID, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return realm.CreateServiceAccount(ctx, tx, r, c)
	}
	return err
}

// applyClient sets what rep carries on c (partial update).
func applyClient(c *model.Client, rep *kcrep.ClientRepresentation) {
	str := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	boolean := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	str(&c.ClientID, rep.ClientID)
	str(&c.Name, rep.Name)
	str(&c.Description, rep.Description)
	str(&c.RootURL, rep.RootURL)
	str(&c.AdminURL, rep.AdminURL)
	str(&c.BaseURL, rep.BaseURL)
	str(&c.ClientAuthenticatorType, rep.ClientAuthenticatorType)
	str(&c.Secret, rep.Secret)
	str(&c.Protocol, rep.Protocol)
	boolean(&c.Enabled, rep.Enabled)
	boolean(&c.AlwaysDisplayInConsole, rep.AlwaysDisplayInConsole)
	boolean(&c.BearerOnly, rep.BearerOnly)
	boolean(&c.ConsentRequired, rep.ConsentRequired)
	boolean(&c.StandardFlowEnabled, rep.StandardFlowEnabled)
	boolean(&c.ImplicitFlowEnabled, rep.ImplicitFlowEnabled)
	boolean(&c.DirectAccessGrantsEnabled, rep.DirectAccessGrantsEnabled)
	boolean(&c.ServiceAccountsEnabled, rep.ServiceAccountsEnabled)
	boolean(&c.PublicClient, rep.PublicClient)
	boolean(&c.FrontchannelLogout, rep.FrontchannelLogout)
	boolean(&c.FullScopeAllowed, rep.FullScopeAllowed)
	if rep.RedirectURIs != nil {
		c.RedirectURIs = rep.RedirectURIs
	}
	if rep.WebOrigins != nil {
		c.WebOrigins = rep.WebOrigins
	}
	if rep.Attributes != nil {
		c.Attributes = rep.Attributes
	}
	if rep.NotBefore != nil {
		c.NotBefore = *rep.NotBefore
	}
	if rep.DefaultClientScopes != nil {
		c.DefaultClientScopes = rep.DefaultClientScopes
	}
	if rep.OptionalClientScopes != nil {
		c.OptionalClientScopes = rep.OptionalClientScopes
	}
}

// deleteClient removes the client with its roles and its service-account
// user, as Keycloak does.
func (h *Handler) deleteClient(q *req) error {
	c, err := h.pathClient(q)
	if err != nil {
		return err
	}
	if !q.perms.manageClients() {
		return errForbidden
	}
	err = h.Store.InTx(q.r.Context(), func(tx store.Store) error {
		sa, err := tx.GetServiceAccountUser(q.r.Context(), q.realm.ID, c.ID)
		if err == nil {
			if err := tx.DeleteUser(q.r.Context(), q.realm.ID, sa.ID); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.DeleteClient(q.r.Context(), q.realm.ID, c.ID)
	})
	if err != nil {
		return err
	}
	h.adminEvent(q, opDelete, "CLIENT", "clients/"+c.ID, nil)
	return q.noContent()
}

type secretRep struct {
	Type  string `json:"type"`
	Value string `json:"value,omitempty"` // null, left out, for a public client
}

// getClientSecret takes manage-clients, as since Keycloak 26.8 (#49220);
// before, view-clients was enough.
func (h *Handler) getClientSecret(q *req) error {
	c, err := h.pathClient(q)
	if err != nil {
		return err
	}
	if !q.perms.manageClients() {
		return errForbidden
	}
	return q.json(secretRep{Type: "secret", Value: c.Secret})
}

func (h *Handler) regenerateSecret(q *req) error {
	c, err := h.pathClient(q)
	if err != nil {
		return err
	}
	if !q.perms.manageClients() {
		return errForbidden
	}
	c.Secret = realm.GenerateSecret()
	if err := h.Store.UpdateClient(q.r.Context(), c); err != nil {
		return err
	}
	h.adminEvent(q, opAction, "CLIENT", "clients/"+c.ID+"/client-secret", nil)
	return q.json(secretRep{Type: "secret", Value: c.Secret})
}

func (h *Handler) serviceAccountUser(q *req) error {
	c, err := h.pathClient(q)
	if err != nil {
		return err
	}
	if !q.perms.viewClients() {
		return errForbidden
	}
	if !c.ServiceAccountsEnabled {
		return jaxrs(http.StatusBadRequest, "Service account not enabled for the client '"+c.ClientID+"'")
	}
	u, err := h.Store.GetServiceAccountUser(q.r.Context(), q.realm.ID, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Service account user not found")
	} else if err != nil {
		return err
	}
	rep := toMemberRep(u)
	return q.json(struct {
		memberRep
		ServiceAccountClientID string `json:"serviceAccountClientId"`
	}{rep, c.ClientID})
}
