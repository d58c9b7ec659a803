package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// CORS as Keycloak does it (DefaultCors, WebOriginsUtils): the request's
// Origin is echoed, never a literal "*"; a request from an origin that is
// not allowed is still processed but gets no CORS headers, so the browser
// withholds the answer from the page.

// AnyOrigin in an allowed set means every origin.
const AnyOrigin = "*"

// preflightHeaders are the request headers Keycloak allows in a preflight.
const preflightHeaders = "Origin, Accept, X-Requested-With, Content-Type, Access-Control-Request-Method, Access-Control-Request-Headers, DPoP"

// ResolveWebOrigins expands a client's webOrigins: "+" stands for the
// origins of its http(s) redirect URIs (relative ones resolved against
// rootURL), "*" for any origin; other entries are origins already.
func ResolveWebOrigins(webOrigins, redirectURIs []string, rootURL string) []string {
	var out []string
	add := func(o string) {
		if o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	for _, w := range webOrigins {
		if w != "+" {
			add(strings.TrimRight(w, "/"))
			continue
		}
		for _, ru := range redirectURIs {
			if strings.HasPrefix(ru, "/") && rootURL != "" {
				ru = strings.TrimRight(rootURL, "/") + ru
			}
			add(OriginOf(ru))
		}
	}
	return out
}

// OriginOf returns scheme://host[:port] of an http(s) URL, or "".
func OriginOf(raw string) string {
	u, err := url.Parse(strings.TrimSuffix(raw, "*"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// CORS is the policy of one response.
type CORS struct {
	// Allowed origins; AnyOrigin allows every origin. Empty allows none.
	Allowed []string
	// Credentials sends Access-Control-Allow-Credentials: true.
	Credentials bool
	// Expose lists response headers the page may read.
	Expose []string
}

// AllowAll is the policy of public endpoints (certs, discovery) and of
// errors raised before a client is known.
var AllowAll = CORS{Allowed: []string{AnyOrigin}, Credentials: true}

// Allows reports whether origin may read the response.
func (c CORS) Allows(origin string) bool {
	return slices.Contains(c.Allowed, AnyOrigin) || slices.Contains(c.Allowed, origin)
}

// Apply adds the CORS headers of an actual request to w.
func (c CORS) Apply(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	h := w.Header()
	h.Add("Vary", "Origin")
	if origin == "" || !c.Allows(origin) {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if c.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.Expose) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.Expose, ", "))
	}
}

// Preflight answers an OPTIONS preflight as Keycloak does: the origin is
// not checked here (the actual request is), the allowed methods are the
// endpoint's, and authorization headers are allowed when auth is true.
func Preflight(methods string, auth bool) http.Handler {
	headers := preflightHeaders
	if auth {
		headers += ", Authorization"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		if origin := r.Header.Get("Origin"); origin != "" {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", methods)
			h.Set("Access-Control-Allow-Headers", headers)
			h.Set("Access-Control-Max-Age", "3600")
		}
		w.WriteHeader(http.StatusOK)
	})
}
