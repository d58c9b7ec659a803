package httpapi

import (
	"net"
	"net/http"
	"strings"
)

// Proxy header modes, Keycloak's --proxy-headers values.
const (
	ProxyNone       = ""
	ProxyXForwarded = "xforwarded"
	ProxyForwarded  = "forwarded"
)

// ClientIP is the address of the client: the socket's peer, or, when a
// trusted proxy sets them (mode says which header), the first address of
// X-Forwarded-For or of the Forwarded header's for= parameter. Headers are
// never trusted unless the operator said a proxy is in front.
func ClientIP(r *http.Request, mode string) string {
	switch mode {
	case ProxyXForwarded:
		if v := r.Header.Get("X-Forwarded-For"); v != "" {
			if ip := strings.TrimSpace(strings.Split(v, ",")[0]); net.ParseIP(ip) != nil {
				return ip
			}
		}
	case ProxyForwarded:
		if ip := forwardedFor(r.Header.Get("Forwarded")); ip != "" {
			return ip
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// forwardedFor reads the first for= of an RFC 7239 Forwarded header.
func forwardedFor(h string) string {
	first := strings.Split(h, ",")[0]
	for _, part := range strings.Split(first, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(k, "for") {
			continue
		}
		v = strings.Trim(v, `"`)
		if strings.HasPrefix(v, "[") {
			if end := strings.Index(v, "]"); end > 0 {
				v = v[1:end]
			}
		} else if host, _, err := net.SplitHostPort(v); err == nil {
			v = host
		}
		if net.ParseIP(v) != nil {
			return v
		}
	}
	return ""
}
