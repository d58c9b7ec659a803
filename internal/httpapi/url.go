package httpapi

import (
	"net/http"
	"strings"
)

// BaseURL is the public base URL for links and issuers: the configured
// hostname when set (start), otherwise the request's own scheme and host
// (start-dev). One rule, used everywhere a URL is issued.
func BaseURL(r *http.Request, hostname string) string {
	if hostname != "" {
		return strings.TrimRight(hostname, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
