package kcrep

import (
	"encoding/json"
	"sort"
)

// defaultFlows are the aliases Keycloak binds in every new realm; a binding
// to one of them is no customisation.
var defaultFlows = map[string]string{
	"browserFlow":              "browser",
	"registrationFlow":         "registration",
	"directGrantFlow":          "direct grant",
	"resetCredentialsFlow":     "reset credentials",
	"clientAuthenticationFlow": "clients",
	"dockerAuthenticationFlow": "docker auth",
	"firstBrokerLoginFlow":     "first broker login",
}

// UnmodelledSections returns, sorted, the JSON names of the non-empty parts
// of r that latchkey reads but does not act on: client scopes, flows,
// components, identity providers and the like. Flow bindings count
// only when they name a flow other than Keycloak's default. Parts nested in
// users and clients are named "users[].federatedIdentities" and so on.
func (r *RealmRepresentation) UnmodelledSections() []string {
	raw := map[string]json.RawMessage{
		"clientScopes":                r.ClientScopes,
		"defaultDefaultClientScopes":  r.DefaultDefaultClientScopes,
		"defaultOptionalClientScopes": r.DefaultOptionalClientScopes,
		"scopeMappings":               r.ScopeMappings,
		"clientScopeMappings":         r.ClientScopeMappings,
		"identityProviders":           r.IdentityProviders,
		"identityProviderMappers":     r.IdentityProviderMappers,
		"protocolMappers":             r.ProtocolMappers,
		"components":                  r.Components,
		"authenticationFlows":         r.AuthenticationFlows,
		"authenticatorConfig":         r.AuthenticatorConfig,
		"requiredActions":             r.RequiredActions,
		"userFederationProviders":     r.UserFederationProviders,
		"userFederationMappers":       r.UserFederationMappers,
		"federatedUsers":              r.FederatedUsers,
		"clientProfiles":              r.ClientProfiles,
		"clientPolicies":              r.ClientPolicies,
		"organizations":               r.Organizations,
		"localizationTexts":           r.LocalizationTexts,
	}
	var out []string
	for name, m := range raw {
		if !isEmptyRaw(m) {
			out = append(out, name)
		}
	}
	flows := map[string]string{
		"browserFlow":              r.BrowserFlow,
		"registrationFlow":         r.RegistrationFlow,
		"directGrantFlow":          r.DirectGrantFlow,
		"resetCredentialsFlow":     r.ResetCredentialsFlow,
		"clientAuthenticationFlow": r.ClientAuthenticationFlow,
		"dockerAuthenticationFlow": r.DockerAuthenticationFlow,
		"firstBrokerLoginFlow":     r.FirstBrokerLoginFlow,
	}
	for name, alias := range flows {
		if alias != "" && alias != defaultFlows[name] {
			out = append(out, name)
		}
	}
	if r.PrivateKey != "" || r.Certificate != "" {
		out = append(out, "privateKey")
	}
	nested := map[string]bool{}
	for i := range r.Users {
		u := &r.Users[i]
		nested["users[].federatedIdentities"] = nested["users[].federatedIdentities"] || !isEmptyRaw(u.FederatedIdentities)
		nested["users[].clientConsents"] = nested["users[].clientConsents"] || !isEmptyRaw(u.ClientConsents)
	}
	for i := range r.Clients {
		c := &r.Clients[i]
		nested["clients[].protocolMappers"] = nested["clients[].protocolMappers"] || !isEmptyRaw(c.ProtocolMappers)
		nested["clients[].authorizationSettings"] = nested["clients[].authorizationSettings"] || !isEmptyRaw(c.AuthorizationSettings)
	}
	for name, set := range nested {
		if set {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
