package realm

import "github.com/latchkey/latchkey/internal/model"

// MasterRealm is the administration realm created on first start.
const MasterRealm = "master"

// Defaults returns a realm named name with the settings Keycloak 26 gives a
// new realm (RealmManager.setupRealmDefaults and the representation import
// defaults). Enabled is true: Keycloak leaves it unset (a disabled realm)
// unless the caller sends it, which the representation layer handles.
func Defaults(name string) model.Realm {
	return model.Realm{
		Name:                  name,
		Enabled:               true,
		SSLRequired:           "external",
		LoginWithEmailAllowed: true,

		FailureFactor:                30,
		WaitIncrementSeconds:         60,
		QuickLoginCheckMilliSeconds:  1000,
		MinimumQuickLoginWaitSeconds: 60,
		MaxFailureWaitSeconds:        900,
		MaxDeltaTimeSeconds:          43200,

		DefaultSignatureAlgorithm: "RS256",

		AccessTokenLifespan:                 300,
		AccessTokenLifespanForImplicitFlow:  900,
		SSOSessionIdleTimeout:               1800,
		SSOSessionMaxLifespan:               36000,
		OfflineSessionIdleTimeout:           2592000,
		OfflineSessionMaxLifespan:           5184000,
		AccessCodeLifespan:                  60,
		AccessCodeLifespanUserAction:        300,
		AccessCodeLifespanLogin:             1800,
		ActionTokenGeneratedByAdminLifespan: 43200,
		ActionTokenGeneratedByUserLifespan:  300,
		OAuth2DeviceCodeLifespan:            600,
		OAuth2DevicePollingInterval:         5,

		EventsListeners:     []string{"jboss-logging"},
		RequiredCredentials: []string{"password"},
		OTPPolicyType:       "totp",
	}
}

// Admin role names of the realm-management client (and of each {realm}-realm
// client in master), Keycloak's AdminRoles plus latchkey's create-users.
const (
	RoleRealmAdmin  = "realm-admin"
	RoleCreateUsers = "create-users"
)

// AdminRoles lists the admin roles every managed realm has, in Keycloak's
// order, with create-users (latchkey's least-privilege extension) last.
var AdminRoles = []string{
	"create-client", "view-realm", "view-users", "view-clients", "view-events",
	"view-identity-providers", "view-authorization", "manage-realm", "manage-users",
	"manage-clients", "manage-events", "manage-identity-providers", "manage-authorization",
	"query-users", "query-clients", "query-realms", "query-groups", "impersonation",
	RoleCreateUsers,
}

// adminComposites are Keycloak's composite admin roles
// (RealmManager.addQueryCompositeRoles).
var adminComposites = map[string][]string{
	"view-users":   {"query-users", "query-groups"},
	"view-clients": {"query-clients"},
}

// accountRoles are the account client's roles with their composites.
var accountRoles = []struct {
	name  string
	comps []string
}{
	{"view-profile", nil},
	{"manage-account-links", nil},
	{"manage-account", []string{"manage-account-links"}},
	{"view-applications", nil},
	{"view-consent", nil},
	{"manage-consent", []string{"view-consent"}},
	{"view-groups", nil},
	{"delete-account", nil},
}

func roleDescription(name string) string {
	if name == RoleCreateUsers {
		return "latchkey: create users with their first credentials, and nothing else"
	}
	return "${role_" + name + "}"
}

// builtinClients returns the clients Keycloak creates in every realm, apart
// from realm-management (made separately because master has none).
func builtinClients(realmName string) []model.Client {
	accountBase := "/realms/" + realmName + "/account/"
	base := func(clientID, name string) model.Client {
		return model.Client{
			ClientID: clientID, Name: name, Enabled: true, Protocol: "openid-connect",
			ClientAuthenticatorType: "client-secret", Attributes: map[string]string{},
		}
	}
	account := base("account", "${client_account}")
	account.PublicClient = true
	account.StandardFlowEnabled = true
	account.RootURL = "${authBaseUrl}"
	account.BaseURL = accountBase
	account.RedirectURIs = []string{accountBase + "*"}

	console := base("account-console", "${client_account-console}")
	console.PublicClient = true
	console.StandardFlowEnabled = true
	console.RootURL = "${authBaseUrl}"
	console.BaseURL = accountBase
	console.RedirectURIs = []string{accountBase + "*"}
	console.Attributes["pkce.code.challenge.method"] = "S256"

	adminCLI := base("admin-cli", "${client_admin-cli}")
	adminCLI.PublicClient = true
	adminCLI.DirectAccessGrantsEnabled = true
	adminCLI.FullScopeAllowed = true

	broker := base("broker", "${client_broker}")
	broker.BearerOnly = true

	// The admin console's client: latchkey serves no console, but Keycloak
	// exports refer to this client (its roles, scope mappings), so it exists.
	adminConsole := base("security-admin-console", "${client_security-admin-console}")
	adminConsole.PublicClient = true
	adminConsole.StandardFlowEnabled = true
	adminConsole.RootURL = "${authAdminUrl}"
	adminConsole.BaseURL = "/admin/" + realmName + "/console/"
	adminConsole.RedirectURIs = []string{"/admin/" + realmName + "/console/*"}
	adminConsole.WebOrigins = []string{"+"}
	adminConsole.Attributes["pkce.code.challenge.method"] = "S256"

	return []model.Client{account, console, adminCLI, broker, adminConsole}
}

func adminClient(clientID, name string) model.Client {
	return model.Client{
		ClientID: clientID, Name: name, Enabled: true, BearerOnly: true,
		Protocol: "openid-connect", ClientAuthenticatorType: "client-secret",
		Attributes: map[string]string{},
	}
}
