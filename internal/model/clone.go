package model

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of r: no slice or map is shared with r, so a
// caller may change the copy while others read the original (the store
// cache hands out copies).
func (r *Realm) Clone() *Realm {
	c := *r
	c.EventsListeners = slices.Clone(r.EventsListeners)
	c.EnabledEventTypes = slices.Clone(r.EnabledEventTypes)
	c.SupportedLocales = slices.Clone(r.SupportedLocales)
	c.RequiredCredentials = slices.Clone(r.RequiredCredentials)
	c.SMTPServer = maps.Clone(r.SMTPServer)
	c.Attributes = maps.Clone(r.Attributes)
	return &c
}

// Clone returns a deep copy of c.
func (c *Client) Clone() *Client {
	d := *c
	d.RedirectURIs = slices.Clone(c.RedirectURIs)
	d.WebOrigins = slices.Clone(c.WebOrigins)
	d.Attributes = maps.Clone(c.Attributes)
	d.DefaultClientScopes = slices.Clone(c.DefaultClientScopes)
	d.OptionalClientScopes = slices.Clone(c.OptionalClientScopes)
	return &d
}

// Clone returns a deep copy of u.
func (u *User) Clone() *User {
	c := *u
	c.Attributes = cloneMulti(u.Attributes)
	c.RequiredActions = slices.Clone(u.RequiredActions)
	return &c
}

// Clone returns a deep copy of r.
func (r Role) Clone() Role {
	r.Attributes = cloneMulti(r.Attributes)
	return r
}

// CloneRoles returns a deep copy of roles.
func CloneRoles(roles []Role) []Role {
	if roles == nil {
		return nil
	}
	out := make([]Role, len(roles))
	for i, r := range roles {
		out[i] = r.Clone()
	}
	return out
}

func cloneMulti(m map[string][]string) map[string][]string {
	if m == nil {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}
