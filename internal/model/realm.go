package model

import "time"

// Realm is a tenant: its users, clients, roles and keys live inside it.
//
// The JSON tags use Keycloak's RealmRepresentation names: the stores persist
// the settings as one JSON document, so adding a setting needs no migration,
// and the names stay recognisable to anyone who knows Keycloak.
type Realm struct {
	ID        string    `json:"id"`
	Name      string    `json:"realm"`
	CreatedAt time.Time `json:"-"`

	DisplayName     string `json:"displayName,omitempty"`
	DisplayNameHTML string `json:"displayNameHtml,omitempty"`
	Enabled         bool   `json:"enabled"`
	SSLRequired     string `json:"sslRequired,omitempty"`

	RegistrationAllowed         bool `json:"registrationAllowed"`
	RegistrationEmailAsUsername bool `json:"registrationEmailAsUsername"`
	RememberMe                  bool `json:"rememberMe"`
	VerifyEmail                 bool `json:"verifyEmail"`
	LoginWithEmailAllowed       bool `json:"loginWithEmailAllowed"`
	DuplicateEmailsAllowed      bool `json:"duplicateEmailsAllowed"`
	ResetPasswordAllowed        bool `json:"resetPasswordAllowed"`
	EditUsernameAllowed         bool `json:"editUsernameAllowed"`

	BruteForceProtected          bool `json:"bruteForceProtected"`
	PermanentLockout             bool `json:"permanentLockout"`
	MaxTemporaryLockouts         int  `json:"maxTemporaryLockouts"`
	FailureFactor                int  `json:"failureFactor"`
	WaitIncrementSeconds         int  `json:"waitIncrementSeconds"`
	QuickLoginCheckMilliSeconds  int  `json:"quickLoginCheckMilliSeconds"`
	MinimumQuickLoginWaitSeconds int  `json:"minimumQuickLoginWaitSeconds"`
	MaxFailureWaitSeconds        int  `json:"maxFailureWaitSeconds"`
	MaxDeltaTimeSeconds          int  `json:"maxDeltaTimeSeconds"`

	PasswordPolicy            string `json:"passwordPolicy,omitempty"`
	DefaultSignatureAlgorithm string `json:"defaultSignatureAlgorithm,omitempty"`

	// Lifespans in seconds, Keycloak's names and meanings.
	AccessTokenLifespan                 int  `json:"accessTokenLifespan"`
	AccessTokenLifespanForImplicitFlow  int  `json:"accessTokenLifespanForImplicitFlow"`
	SSOSessionIdleTimeout               int  `json:"ssoSessionIdleTimeout"`
	SSOSessionMaxLifespan               int  `json:"ssoSessionMaxLifespan"`
	SSOSessionIdleTimeoutRememberMe     int  `json:"ssoSessionIdleTimeoutRememberMe"`
	SSOSessionMaxLifespanRememberMe     int  `json:"ssoSessionMaxLifespanRememberMe"`
	OfflineSessionIdleTimeout           int  `json:"offlineSessionIdleTimeout"`
	OfflineSessionMaxLifespanEnabled    bool `json:"offlineSessionMaxLifespanEnabled"`
	OfflineSessionMaxLifespan           int  `json:"offlineSessionMaxLifespan"`
	ClientSessionIdleTimeout            int  `json:"clientSessionIdleTimeout"`
	ClientSessionMaxLifespan            int  `json:"clientSessionMaxLifespan"`
	AccessCodeLifespan                  int  `json:"accessCodeLifespan"`
	AccessCodeLifespanUserAction        int  `json:"accessCodeLifespanUserAction"`
	AccessCodeLifespanLogin             int  `json:"accessCodeLifespanLogin"`
	ActionTokenGeneratedByAdminLifespan int  `json:"actionTokenGeneratedByAdminLifespan"`
	ActionTokenGeneratedByUserLifespan  int  `json:"actionTokenGeneratedByUserLifespan"`
	OAuth2DeviceCodeLifespan            int  `json:"oauth2DeviceCodeLifespan"`
	OAuth2DevicePollingInterval         int  `json:"oauth2DevicePollingInterval"`
	RevokeRefreshToken                  bool `json:"revokeRefreshToken"`
	RefreshTokenMaxReuse                int  `json:"refreshTokenMaxReuse"`
	NotBefore                           int  `json:"notBefore"`

	// DefaultRoleID is the id of the realm role default-roles-{realm}, given
	// to every new user.
	DefaultRoleID string `json:"defaultRoleId,omitempty"`

	EventsEnabled             bool     `json:"eventsEnabled"`
	EventsExpiration          int64    `json:"eventsExpiration,omitempty"`
	EventsListeners           []string `json:"eventsListeners,omitempty"`
	EnabledEventTypes         []string `json:"enabledEventTypes,omitempty"`
	AdminEventsEnabled        bool     `json:"adminEventsEnabled"`
	AdminEventsDetailsEnabled bool     `json:"adminEventsDetailsEnabled"`

	InternationalizationEnabled bool     `json:"internationalizationEnabled"`
	SupportedLocales            []string `json:"supportedLocales,omitempty"`
	DefaultLocale               string   `json:"defaultLocale,omitempty"`
	RequiredCredentials         []string `json:"requiredCredentials,omitempty"`
	OTPPolicyType               string   `json:"otpPolicyType,omitempty"`

	SMTPServer map[string]string `json:"smtpServer,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}
