package adminapi

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// defaultMax is Keycloak's Constants.DEFAULT_MAX_RESULTS.
const defaultMax = 100

// listUsers is GET /users (UsersResource.getUsers). With search, the field
// parameters are ignored and only enabled and emailVerified combine with
// it; service accounts are left out of searches and plain listings but
// not of field-filtered ones. A caller that may query but not view users
// gets an empty list.
func (h *Handler) listUsers(q *req) error {
	if !q.perms.queryUsers() {
		return errForbidden
	}
	v := q.r.URL.Query()
	page, err := pageParams(v)
	if err != nil {
		return err
	}
	brief := boolParam(v, "briefRepresentation") != nil && *boolParam(v, "briefRepresentation")
	ctx := q.r.Context()
	var users []model.User
	if ids, ok := searchIDs(v); ok {
		for _, id := range ids {
			u, err := h.Store.GetUser(ctx, q.realm.ID, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			users = append(users, *u)
		}
	} else if page.Max != 0 {
		uq := userQuery(v, true)
		uq.Page = page
		if uq.Page.Max < 0 {
			uq.Page.Max = 0
		}
		if users, err = h.Store.ListUsers(ctx, q.realm.ID, uq); err != nil {
			return err
		}
	}
	out := make([]userRep, 0, len(users))
	if !q.perms.viewUsers() {
		return q.json(out)
	}
	access := map[string]bool{"manage": q.perms.manageUsers()}
	for i := range users {
		rep := briefUser(&users[i])
		if !brief {
			if rep, err = h.fullUser(ctx, q.realm, &users[i]); err != nil {
				return err
			}
		}
		rep.Access = access
		out = append(out, rep)
	}
	return q.json(out)
}

// countUsers is GET /users/count: the same filters, without paging or the
// view check.
func (h *Handler) countUsers(q *req) error {
	if !q.perms.queryUsers() {
		return errForbidden
	}
	v := q.r.URL.Query()
	ctx := q.r.Context()
	if ids, ok := searchIDs(v); ok {
		n := 0
		if len(ids) == 1 && q.perms.viewUsers() {
			if _, err := h.Store.GetUser(ctx, q.realm.ID, ids[0]); err == nil {
				n = 1
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return q.json(n)
	}
	n, err := h.Store.CountUsers(ctx, q.realm.ID, userQuery(v, false))
	if err != nil {
		return err
	}
	return q.json(n)
}

// searchIDs reads search=id:<id> <id>...
func searchIDs(v url.Values) ([]string, bool) {
	if !v.Has("search") || !strings.HasPrefix(v.Get("search"), "id:") {
		return nil, false
	}
	return strings.Fields(strings.TrimPrefix(v.Get("search"), "id:")), true
}

// userQuery turns the query parameters into a store query, choosing
// between Keycloak's three branches (search, field filters, everyone).
// The field branch of /users counts exact among its triggers; that of
// /users/count does not (UsersResource.getUsersCount).
func userQuery(v url.Values, listing bool) store.UserQuery {
	var q store.UserQuery
	enabled, verified := boolParam(v, "enabled"), boolParam(v, "emailVerified")
	if v.Has("search") {
		q.Search = parseSearch(v.Get("search"))
		q.Enabled, q.EmailVerified = enabled, verified
		return q
	}
	attrs := searchQueryFields(v.Get("q"))
	fields := v.Has("lastName") || v.Has("firstName") || v.Has("email") || v.Has("username") ||
		enabled != nil || verified != nil || len(attrs) > 0
	if listing {
		fields = fields || v.Has("exact") || v.Has("idpAlias") || v.Has("idpUserId")
	}
	if !fields {
		return q
	}
	q.IncludeServiceAccounts = true
	q.Username, q.Email, q.FirstName, q.LastName = v.Get("username"), v.Get("email"), v.Get("firstName"), v.Get("lastName")
	if e := boolParam(v, "exact"); e != nil {
		q.Exact = *e
	}
	q.Enabled, q.EmailVerified = enabled, verified
	if len(attrs) > 0 {
		q.Attributes = attrs
	}
	return q
}

// parseSearch splits Keycloak's search string into tokens that must all
// match (JpaUserProvider.getSearchOptionPredicateArray): "x" is exact,
// *x* infix, x and x* prefix, and any other '*' a wildcard (with an
// implied one at the end: *x is infix too).
func parseSearch(s string) []store.SearchToken {
	var out []store.SearchToken
	words := strings.Fields(s)
	if len(words) == 0 {
		words = []string{""}
	}
	for _, w := range words {
		w = strings.ToLower(w)
		if len(w) >= 2 && strings.HasPrefix(w, `"`) && strings.HasSuffix(w, `"`) {
			out = append(out, store.SearchToken{Text: w[1 : len(w)-1], Match: store.MatchExact})
			continue
		}
		core := strings.TrimSuffix(w, "*")
		switch {
		case !strings.Contains(core, "*"):
			out = append(out, store.SearchToken{Text: core, Match: store.MatchPrefix})
		case strings.HasPrefix(core, "*") && !strings.Contains(core[1:], "*"):
			out = append(out, store.SearchToken{Text: core[1:], Match: store.MatchInfix})
		default:
			out = append(out, store.SearchToken{Text: w, Match: store.MatchPattern})
		}
	}
	return out
}

// searchQueryField is one key:value pair of q=, either side optionally
// quoted (SearchQueryUtils.getFields).
var searchQueryField = regexp.MustCompile(`(?:"([^"]*)"|([^\s:"]+))\s*:\s*(?:"([^"]*)"|([^\s"]+))`)

func searchQueryFields(s string) map[string]string {
	out := map[string]string{}
	for _, m := range searchQueryField.FindAllStringSubmatch(s, -1) {
		out[m[1]+m[2]] = m[3] + m[4]
	}
	return out
}

// boolParam is a Boolean query parameter as JAX-RS reads it: absent is
// nil, "true" in any case is true, anything else false.
func boolParam(v url.Values, name string) *bool {
	if !v.Has(name) {
		return nil
	}
	b := strings.EqualFold(v.Get(name), "true")
	return &b
}

// intParam is an Integer query parameter: a value that is not a number is
// JAX-RS's 404, as Keycloak answers it.
func intParam(v url.Values, name string) (*int, error) {
	if !v.Has(name) || v.Get(name) == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v.Get(name))
	if err != nil {
		return nil, jaxrs(http.StatusNotFound, "HTTP 404 Not Found")
	}
	return &n, nil
}

// pageParams reads first (default none) and max (default 100; a negative
// max means no limit, 0 nothing).
func pageParams(v url.Values) (store.Page, error) {
	first, err := intParam(v, "first")
	if err != nil {
		return store.Page{}, err
	}
	max, err := intParam(v, "max")
	if err != nil {
		return store.Page{}, err
	}
	p := store.Page{Max: defaultMax}
	if first != nil && *first > 0 {
		p.First = *first
	}
	if max != nil {
		p.Max = *max
		if p.Max < 0 {
			p.Max = -1
		}
	}
	return p, nil
}
