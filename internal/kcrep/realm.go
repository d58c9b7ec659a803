package kcrep

import "encoding/json"

// RealmRepresentation is a realm: its settings and, in an export, its users,
// clients, roles and everything else. Settings are pointers so that a
// missing one takes latchkey's default (Keycloak's RealmManager defaults)
// rather than Go's zero value. Note that Keycloak does not default Enabled:
// a realm created without "enabled": true is disabled.
type RealmRepresentation struct {
	ID              string `json:"id,omitempty"`
	Realm           string `json:"realm,omitempty"`
	DisplayName     string `json:"displayName,omitempty"`
	DisplayNameHTML string `json:"displayNameHtml,omitempty"`
	Enabled         *bool  `json:"enabled,omitempty"`
	SSLRequired     string `json:"sslRequired,omitempty"`
	NotBefore       *int64 `json:"notBefore,omitempty"`

	DefaultSignatureAlgorithm string `json:"defaultSignatureAlgorithm,omitempty"`
	RevokeRefreshToken        *bool  `json:"revokeRefreshToken,omitempty"`
	RefreshTokenMaxReuse      *int   `json:"refreshTokenMaxReuse,omitempty"`

	// Lifespans and timeouts, in seconds.
	AccessTokenLifespan                 *int  `json:"accessTokenLifespan,omitempty"`
	AccessTokenLifespanForImplicitFlow  *int  `json:"accessTokenLifespanForImplicitFlow,omitempty"`
	SSOSessionIdleTimeout               *int  `json:"ssoSessionIdleTimeout,omitempty"`
	SSOSessionMaxLifespan               *int  `json:"ssoSessionMaxLifespan,omitempty"`
	SSOSessionIdleTimeoutRememberMe     *int  `json:"ssoSessionIdleTimeoutRememberMe,omitempty"`
	SSOSessionMaxLifespanRememberMe     *int  `json:"ssoSessionMaxLifespanRememberMe,omitempty"`
	OfflineSessionIdleTimeout           *int  `json:"offlineSessionIdleTimeout,omitempty"`
	OfflineSessionMaxLifespanEnabled    *bool `json:"offlineSessionMaxLifespanEnabled,omitempty"`
	OfflineSessionMaxLifespan           *int  `json:"offlineSessionMaxLifespan,omitempty"`
	ClientSessionIdleTimeout            *int  `json:"clientSessionIdleTimeout,omitempty"`
	ClientSessionMaxLifespan            *int  `json:"clientSessionMaxLifespan,omitempty"`
	ClientOfflineSessionIdleTimeout     *int  `json:"clientOfflineSessionIdleTimeout,omitempty"`
	ClientOfflineSessionMaxLifespan     *int  `json:"clientOfflineSessionMaxLifespan,omitempty"`
	AccessCodeLifespan                  *int  `json:"accessCodeLifespan,omitempty"`
	AccessCodeLifespanUserAction        *int  `json:"accessCodeLifespanUserAction,omitempty"`
	AccessCodeLifespanLogin             *int  `json:"accessCodeLifespanLogin,omitempty"`
	ActionTokenGeneratedByAdminLifespan *int  `json:"actionTokenGeneratedByAdminLifespan,omitempty"`
	ActionTokenGeneratedByUserLifespan  *int  `json:"actionTokenGeneratedByUserLifespan,omitempty"`
	OAuth2DeviceCodeLifespan            *int  `json:"oauth2DeviceCodeLifespan,omitempty"`
	OAuth2DevicePollingInterval         *int  `json:"oauth2DevicePollingInterval,omitempty"`

	RegistrationAllowed         *bool `json:"registrationAllowed,omitempty"`
	RegistrationEmailAsUsername *bool `json:"registrationEmailAsUsername,omitempty"`
	RememberMe                  *bool `json:"rememberMe,omitempty"`
	VerifyEmail                 *bool `json:"verifyEmail,omitempty"`
	LoginWithEmailAllowed       *bool `json:"loginWithEmailAllowed,omitempty"`
	DuplicateEmailsAllowed      *bool `json:"duplicateEmailsAllowed,omitempty"`
	ResetPasswordAllowed        *bool `json:"resetPasswordAllowed,omitempty"`
	EditUsernameAllowed         *bool `json:"editUsernameAllowed,omitempty"`

	BruteForceProtected          *bool  `json:"bruteForceProtected,omitempty"`
	PermanentLockout             *bool  `json:"permanentLockout,omitempty"`
	MaxTemporaryLockouts         *int   `json:"maxTemporaryLockouts,omitempty"`
	BruteForceStrategy           string `json:"bruteForceStrategy,omitempty"`
	MaxFailureWaitSeconds        *int   `json:"maxFailureWaitSeconds,omitempty"`
	MinimumQuickLoginWaitSeconds *int   `json:"minimumQuickLoginWaitSeconds,omitempty"`
	WaitIncrementSeconds         *int   `json:"waitIncrementSeconds,omitempty"`
	QuickLoginCheckMilliSeconds  *int64 `json:"quickLoginCheckMilliSeconds,omitempty"`
	MaxDeltaTimeSeconds          *int   `json:"maxDeltaTimeSeconds,omitempty"`
	FailureFactor                *int   `json:"failureFactor,omitempty"`

	// PasswordPolicy is a pointer so that "" (no policy) differs from
	// absent (leave it as it is) on update.
	PasswordPolicy      *string  `json:"passwordPolicy,omitempty"`
	RequiredCredentials []string `json:"requiredCredentials,omitzero"`

	OTPPolicyType            string   `json:"otpPolicyType,omitempty"`
	OTPPolicyAlgorithm       string   `json:"otpPolicyAlgorithm,omitempty"`
	OTPPolicyInitialCounter  *int     `json:"otpPolicyInitialCounter,omitempty"`
	OTPPolicyDigits          *int     `json:"otpPolicyDigits,omitempty"`
	OTPPolicyLookAheadWindow *int     `json:"otpPolicyLookAheadWindow,omitempty"`
	OTPPolicyPeriod          *int     `json:"otpPolicyPeriod,omitempty"`
	OTPPolicyCodeReusable    *bool    `json:"otpPolicyCodeReusable,omitempty"`
	OTPSupportedApplications []string `json:"otpSupportedApplications,omitzero"`

	EventsEnabled             *bool    `json:"eventsEnabled,omitempty"`
	EventsExpiration          *int64   `json:"eventsExpiration,omitempty"`
	EventsListeners           []string `json:"eventsListeners,omitzero"`
	EnabledEventTypes         []string `json:"enabledEventTypes,omitzero"`
	AdminEventsEnabled        *bool    `json:"adminEventsEnabled,omitempty"`
	AdminEventsDetailsEnabled *bool    `json:"adminEventsDetailsEnabled,omitempty"`

	InternationalizationEnabled *bool    `json:"internationalizationEnabled,omitempty"`
	SupportedLocales            []string `json:"supportedLocales,omitzero"`
	DefaultLocale               string   `json:"defaultLocale,omitempty"`

	LoginTheme   string `json:"loginTheme,omitempty"`
	AccountTheme string `json:"accountTheme,omitempty"`
	AdminTheme   string `json:"adminTheme,omitempty"`
	EmailTheme   string `json:"emailTheme,omitempty"`

	BrowserSecurityHeaders map[string]string `json:"browserSecurityHeaders,omitzero"`
	SMTPServer             map[string]string `json:"smtpServer,omitzero"`
	Attributes             map[string]string `json:"attributes,omitzero"`

	UserManagedAccessAllowed *bool  `json:"userManagedAccessAllowed,omitempty"`
	OrganizationsEnabled     *bool  `json:"organizationsEnabled,omitempty"`
	AdminPermissionsEnabled  *bool  `json:"adminPermissionsEnabled,omitempty"`
	KeycloakVersion          string `json:"keycloakVersion,omitempty"`

	// Authentication flow bindings: aliases of the flows the realm uses.
	// Only a non-default binding is an unmodelled setting.
	BrowserFlow              string `json:"browserFlow,omitempty"`
	RegistrationFlow         string `json:"registrationFlow,omitempty"`
	DirectGrantFlow          string `json:"directGrantFlow,omitempty"`
	ResetCredentialsFlow     string `json:"resetCredentialsFlow,omitempty"`
	ClientAuthenticationFlow string `json:"clientAuthenticationFlow,omitempty"`
	DockerAuthenticationFlow string `json:"dockerAuthenticationFlow,omitempty"`
	FirstBrokerLoginFlow     string `json:"firstBrokerLoginFlow,omitempty"`

	// Collections latchkey imports.
	Users   []UserRepresentation   `json:"users,omitzero"`
	Clients []ClientRepresentation `json:"clients,omitzero"`
	Roles   *RolesRepresentation   `json:"roles,omitempty"`
	// DefaultRole is the composite default-roles-{realm} (Keycloak 13+).
	DefaultRole *RoleRepresentation `json:"defaultRole,omitempty"`
	// DefaultRoles is the pre-Keycloak-13 list of realm role names given to
	// new users; an importer folds it into the default role.
	DefaultRoles []string              `json:"defaultRoles,omitzero"`
	Groups       []GroupRepresentation `json:"groups,omitzero"`
	// DefaultGroups are the paths of the groups every new user joins.
	DefaultGroups []string `json:"defaultGroups,omitzero"`

	// Deprecated single realm key of exports before Keycloak 3.
	PrivateKey  string `json:"privateKey,omitempty"`
	PublicKey   string `json:"publicKey,omitempty"`
	Certificate string `json:"certificate,omitempty"`
	CodeSecret  string `json:"codeSecret,omitempty"`

	// Sections latchkey does not model yet, kept raw so that they round-trip
	// and an import can name them (UnmodelledSections).
	ClientScopes                json.RawMessage `json:"clientScopes,omitzero"`
	DefaultDefaultClientScopes  json.RawMessage `json:"defaultDefaultClientScopes,omitzero"`
	DefaultOptionalClientScopes json.RawMessage `json:"defaultOptionalClientScopes,omitzero"`
	ScopeMappings               json.RawMessage `json:"scopeMappings,omitzero"`
	ClientScopeMappings         json.RawMessage `json:"clientScopeMappings,omitzero"`
	IdentityProviders           json.RawMessage `json:"identityProviders,omitzero"`
	IdentityProviderMappers     json.RawMessage `json:"identityProviderMappers,omitzero"`
	ProtocolMappers             json.RawMessage `json:"protocolMappers,omitzero"`
	Components                  json.RawMessage `json:"components,omitzero"`
	AuthenticationFlows         json.RawMessage `json:"authenticationFlows,omitzero"`
	AuthenticatorConfig         json.RawMessage `json:"authenticatorConfig,omitzero"`
	RequiredActions             json.RawMessage `json:"requiredActions,omitzero"`
	UserFederationProviders     json.RawMessage `json:"userFederationProviders,omitzero"`
	UserFederationMappers       json.RawMessage `json:"userFederationMappers,omitzero"`
	FederatedUsers              json.RawMessage `json:"federatedUsers,omitzero"`
	ClientProfiles              json.RawMessage `json:"clientProfiles,omitzero"`
	ClientPolicies              json.RawMessage `json:"clientPolicies,omitzero"`
	Organizations               json.RawMessage `json:"organizations,omitzero"`
	LocalizationTexts           json.RawMessage `json:"localizationTexts,omitzero"`

	Oid4VciEnabled *bool `json:"oid4VciEnabled,omitempty"`

	// WebAuthnSettings is embedded: its fields sit flat in the realm JSON.
	WebAuthnSettings
}
