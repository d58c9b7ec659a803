package realm

import (
	"maps"
	"slices"
	"time"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
)

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

func setStr(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// FromRepresentation builds a realm from a Keycloak RealmRepresentation on
// top of Keycloak's defaults: a field the representation leaves out keeps
// its default. As in Keycloak, a realm whose representation omits enabled is
// created disabled.
func FromRepresentation(rep *kcrep.RealmRepresentation) model.Realm {
	r := Defaults(rep.Realm)
	r.ID = rep.ID
	r.Enabled = false
	Apply(&r, rep)
	return r
}

// Apply sets on r every setting rep carries, leaving the others as they
// are, as Keycloak's RepresentationToModel.updateRealm does. It does not
// touch the name or the id.
func Apply(r *model.Realm, rep *kcrep.RealmRepresentation) {
	setBool(&r.Enabled, rep.Enabled)
	setStr(&r.DisplayName, rep.DisplayName)
	setStr(&r.DisplayNameHTML, rep.DisplayNameHTML)
	setStr(&r.SSLRequired, rep.SSLRequired)
	if rep.NotBefore != nil {
		r.NotBefore = int(*rep.NotBefore)
	}
	setStr(&r.DefaultSignatureAlgorithm, rep.DefaultSignatureAlgorithm)
	setBool(&r.RevokeRefreshToken, rep.RevokeRefreshToken)
	setInt(&r.RefreshTokenMaxReuse, rep.RefreshTokenMaxReuse)

	setInt(&r.AccessTokenLifespan, rep.AccessTokenLifespan)
	setInt(&r.AccessTokenLifespanForImplicitFlow, rep.AccessTokenLifespanForImplicitFlow)
	setInt(&r.SSOSessionIdleTimeout, rep.SSOSessionIdleTimeout)
	setInt(&r.SSOSessionMaxLifespan, rep.SSOSessionMaxLifespan)
	setInt(&r.SSOSessionIdleTimeoutRememberMe, rep.SSOSessionIdleTimeoutRememberMe)
	setInt(&r.SSOSessionMaxLifespanRememberMe, rep.SSOSessionMaxLifespanRememberMe)
	setInt(&r.OfflineSessionIdleTimeout, rep.OfflineSessionIdleTimeout)
	setBool(&r.OfflineSessionMaxLifespanEnabled, rep.OfflineSessionMaxLifespanEnabled)
	setInt(&r.OfflineSessionMaxLifespan, rep.OfflineSessionMaxLifespan)
	setInt(&r.ClientSessionIdleTimeout, rep.ClientSessionIdleTimeout)
	setInt(&r.ClientSessionMaxLifespan, rep.ClientSessionMaxLifespan)
	setInt(&r.AccessCodeLifespan, rep.AccessCodeLifespan)
	setInt(&r.AccessCodeLifespanUserAction, rep.AccessCodeLifespanUserAction)
	setInt(&r.AccessCodeLifespanLogin, rep.AccessCodeLifespanLogin)
	setInt(&r.ActionTokenGeneratedByAdminLifespan, rep.ActionTokenGeneratedByAdminLifespan)
	setInt(&r.ActionTokenGeneratedByUserLifespan, rep.ActionTokenGeneratedByUserLifespan)
	setInt(&r.OAuth2DeviceCodeLifespan, rep.OAuth2DeviceCodeLifespan)
	setInt(&r.OAuth2DevicePollingInterval, rep.OAuth2DevicePollingInterval)

	setBool(&r.RegistrationAllowed, rep.RegistrationAllowed)
	setBool(&r.RegistrationEmailAsUsername, rep.RegistrationEmailAsUsername)
	setBool(&r.RememberMe, rep.RememberMe)
	setBool(&r.VerifyEmail, rep.VerifyEmail)
	setBool(&r.LoginWithEmailAllowed, rep.LoginWithEmailAllowed)
	setBool(&r.DuplicateEmailsAllowed, rep.DuplicateEmailsAllowed)
	setBool(&r.ResetPasswordAllowed, rep.ResetPasswordAllowed)
	setBool(&r.EditUsernameAllowed, rep.EditUsernameAllowed)
	if r.DuplicateEmailsAllowed {
		// Keycloak's RealmAdapter: duplicate emails rule out logging in
		// with, or registering by, email.
		r.LoginWithEmailAllowed = false
		r.RegistrationEmailAsUsername = false
	}

	setBool(&r.BruteForceProtected, rep.BruteForceProtected)
	setBool(&r.PermanentLockout, rep.PermanentLockout)
	setInt(&r.MaxTemporaryLockouts, rep.MaxTemporaryLockouts)
	setInt(&r.MaxFailureWaitSeconds, rep.MaxFailureWaitSeconds)
	setInt(&r.MinimumQuickLoginWaitSeconds, rep.MinimumQuickLoginWaitSeconds)
	setInt(&r.WaitIncrementSeconds, rep.WaitIncrementSeconds)
	if rep.QuickLoginCheckMilliSeconds != nil {
		r.QuickLoginCheckMilliSeconds = int(*rep.QuickLoginCheckMilliSeconds)
	}
	setInt(&r.MaxDeltaTimeSeconds, rep.MaxDeltaTimeSeconds)
	setInt(&r.FailureFactor, rep.FailureFactor)

	if rep.PasswordPolicy != nil {
		r.PasswordPolicy = *rep.PasswordPolicy
	}
	if rep.RequiredCredentials != nil {
		r.RequiredCredentials = slices.Clone(rep.RequiredCredentials)
	}
	setStr(&r.OTPPolicyType, rep.OTPPolicyType)

	setBool(&r.EventsEnabled, rep.EventsEnabled)
	if rep.EventsExpiration != nil {
		r.EventsExpiration = *rep.EventsExpiration
	}
	if rep.EventsListeners != nil {
		r.EventsListeners = slices.Clone(rep.EventsListeners)
	}
	if rep.EnabledEventTypes != nil {
		r.EnabledEventTypes = slices.Clone(rep.EnabledEventTypes)
	}
	setBool(&r.AdminEventsEnabled, rep.AdminEventsEnabled)
	setBool(&r.AdminEventsDetailsEnabled, rep.AdminEventsDetailsEnabled)

	setBool(&r.InternationalizationEnabled, rep.InternationalizationEnabled)
	if rep.SupportedLocales != nil {
		r.SupportedLocales = slices.Clone(rep.SupportedLocales)
	}
	setStr(&r.DefaultLocale, rep.DefaultLocale)
	if rep.SMTPServer != nil {
		r.SMTPServer = maps.Clone(rep.SMTPServer)
	}
	if rep.Attributes != nil {
		r.Attributes = maps.Clone(rep.Attributes)
	}
}

// ClientFromRepresentation builds a client with Keycloak's create defaults
// (OIDCLoginProtocolFactory.setupClientDefaults) for what rep leaves out.
func ClientFromRepresentation(rep *kcrep.ClientRepresentation) model.Client {
	c := model.Client{
		ID: rep.ID, ClientID: rep.ClientID, Name: rep.Name, Description: rep.Description,
		RootURL: rep.RootURL, AdminURL: rep.AdminURL, BaseURL: rep.BaseURL,
		Enabled: true, ClientAuthenticatorType: "client-secret", Secret: rep.Secret,
		RedirectURIs: slices.Clone(rep.RedirectURIs), WebOrigins: slices.Clone(rep.WebOrigins),
		StandardFlowEnabled: true, DirectAccessGrantsEnabled: true, FullScopeAllowed: true,
		Protocol: "openid-connect", Attributes: maps.Clone(rep.Attributes),
		DefaultClientScopes:  slices.Clone(rep.DefaultClientScopes),
		OptionalClientScopes: slices.Clone(rep.OptionalClientScopes),
	}
	if rep.PublicClient == nil && rep.BearerOnly == nil {
		c.PublicClient = true
	}
	setBool(&c.Enabled, rep.Enabled)
	setBool(&c.AlwaysDisplayInConsole, rep.AlwaysDisplayInConsole)
	setStr(&c.ClientAuthenticatorType, rep.ClientAuthenticatorType)
	if rep.NotBefore != nil {
		c.NotBefore = *rep.NotBefore
	}
	setBool(&c.BearerOnly, rep.BearerOnly)
	setBool(&c.ConsentRequired, rep.ConsentRequired)
	setBool(&c.StandardFlowEnabled, rep.StandardFlowEnabled)
	setBool(&c.ImplicitFlowEnabled, rep.ImplicitFlowEnabled)
	setBool(&c.DirectAccessGrantsEnabled, rep.DirectAccessGrantsEnabled)
	setBool(&c.ServiceAccountsEnabled, rep.ServiceAccountsEnabled)
	setBool(&c.PublicClient, rep.PublicClient)
	setBool(&c.FrontchannelLogout, rep.FrontchannelLogout)
	setBool(&c.FullScopeAllowed, rep.FullScopeAllowed)
	setStr(&c.Protocol, rep.Protocol)
	if c.Attributes == nil {
		c.Attributes = map[string]string{}
	}
	return c
}

// millis converts Keycloak's epoch milliseconds; nil or zero means "now".
func millis(v *int64, now time.Time) time.Time {
	if v == nil || *v <= 0 {
		return now
	}
	return time.UnixMilli(*v).UTC()
}
