package adminapi

import "strings"

// Keycloak 26's EventType enum, in declaration order, each followed by its
// _ERROR twin; the flag is saveByDefault (stored when a realm lists no
// enabled types). Three error twins are not saved by default although
// their success type is.
var eventTypeDefs = []struct {
	name string
	save bool
}{
	{"LOGIN", true}, {"REGISTER", true}, {"LOGOUT", true}, {"CODE_TO_TOKEN", true},
	{"CLIENT_LOGIN", true}, {"REFRESH_TOKEN", false}, {"VALIDATE_ACCESS_TOKEN", false},
	{"INTROSPECT_TOKEN", false}, {"FEDERATED_IDENTITY_LINK", true}, {"REMOVE_FEDERATED_IDENTITY", true},
	{"UPDATE_EMAIL", true}, {"UPDATE_PROFILE", true}, {"UPDATE_PASSWORD", true}, {"UPDATE_TOTP", true},
	{"VERIFY_EMAIL", true}, {"VERIFY_PROFILE", true}, {"REMOVE_TOTP", true}, {"GRANT_CONSENT", true},
	{"UPDATE_CONSENT", true}, {"REVOKE_GRANT", true}, {"SEND_VERIFY_EMAIL", true},
	{"SEND_RESET_PASSWORD", true}, {"SEND_IDENTITY_PROVIDER_LINK", true}, {"RESET_PASSWORD", true},
	{"RESTART_AUTHENTICATION", true}, {"INVALID_SIGNATURE", false}, {"REGISTER_NODE", false},
	{"UNREGISTER_NODE", false}, {"USER_INFO_REQUEST", false}, {"IDENTITY_PROVIDER_LINK_ACCOUNT", true},
	{"IDENTITY_PROVIDER_LOGIN", false}, {"IDENTITY_PROVIDER_FIRST_LOGIN", true},
	{"IDENTITY_PROVIDER_POST_LOGIN", true}, {"IDENTITY_PROVIDER_RESPONSE", false},
	{"IDENTITY_PROVIDER_RETRIEVE_TOKEN", false}, {"IMPERSONATE", true}, {"CUSTOM_REQUIRED_ACTION", true},
	{"EXECUTE_ACTIONS", true}, {"EXECUTE_ACTION_TOKEN", true}, {"CLIENT_INFO", false},
	{"CLIENT_REGISTER", true}, {"CLIENT_UPDATE", true}, {"CLIENT_DELETE", true},
	{"CLIENT_INITIATED_ACCOUNT_LINKING", true}, {"TOKEN_EXCHANGE", true}, {"OAUTH2_DEVICE_AUTH", true},
	{"OAUTH2_DEVICE_VERIFY_USER_CODE", true}, {"OAUTH2_DEVICE_CODE_TO_TOKEN", true},
	{"AUTHREQID_TO_TOKEN", true}, {"PERMISSION_TOKEN", true}, {"DELETE_ACCOUNT", true},
	{"PUSHED_AUTHORIZATION_REQUEST", false}, {"USER_DISABLED_BY_PERMANENT_LOCKOUT", true},
	{"USER_DISABLED_BY_TEMPORARY_LOCKOUT", true}, {"OAUTH2_EXTENSION_GRANT", true}, {"JWT_BEARER", true},
}

// errorNotSaved are the _ERROR types not saved by default although their
// success type is.
var errorNotSaved = map[string]bool{"PERMISSION_TOKEN": true,
	"USER_DISABLED_BY_PERMANENT_LOCKOUT": true, "USER_DISABLED_BY_TEMPORARY_LOCKOUT": true}

// eventTypes is every EventType name.
var eventTypes = func() []string {
	var out []string
	for _, d := range eventTypeDefs {
		out = append(out, d.name, d.name+"_ERROR")
	}
	return out
}()

// defaultEventTypes are the types saved by default, in enum order.
func defaultEventTypes() []string {
	var out []string
	for _, d := range eventTypeDefs {
		if d.save {
			out = append(out, d.name)
			if !errorNotSaved[d.name] {
				out = append(out, d.name+"_ERROR")
			}
		}
	}
	return out
}

// resourceTypes is Keycloak 26's admin-event ResourceType enum.
var resourceTypes = strings.Fields(`REALM REALM_ROLE REALM_ROLE_MAPPING REALM_SCOPE_MAPPING AUTH_FLOW
	AUTH_EXECUTION_FLOW AUTH_EXECUTION AUTHENTICATOR_CONFIG REQUIRED_ACTION IDENTITY_PROVIDER
	IDENTITY_PROVIDER_MAPPER PROTOCOL_MAPPER USER USER_LOGIN_FAILURE USER_SESSION
	USER_FEDERATION_PROVIDER USER_FEDERATION_MAPPER GROUP GROUP_MEMBERSHIP CLIENT
	CLIENT_INITIAL_ACCESS_MODEL CLIENT_ROLE CLIENT_ROLE_MAPPING CLIENT_SCOPE CLIENT_SCOPE_MAPPING
	CLIENT_SCOPE_CLIENT_MAPPING CLUSTER_NODE COMPONENT AUTHORIZATION_RESOURCE_SERVER
	AUTHORIZATION_RESOURCE AUTHORIZATION_SCOPE AUTHORIZATION_POLICY CUSTOM USER_PROFILE ORGANIZATION
	ORGANIZATION_MEMBERSHIP REQUIRED_ACTION_CONFIG`)
