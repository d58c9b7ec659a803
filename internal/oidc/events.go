package oidc

import (
	"net/http"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
)

// event records a user event through the shared recorder.
func (h *Handler) event(r *http.Request, realm *model.Realm, e model.Event) {
	h.Events.Record(r.Context(), realm, h.clientIP(r), e)
}

// clientIP is the caller's address, from a trusted proxy's headers when
// --proxy-headers says there is one.
func (h *Handler) clientIP(r *http.Request) string {
	return httpapi.ClientIP(r, h.ProxyHeaders)
}
