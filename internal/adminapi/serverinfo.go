package adminapi

import (
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/realm"
)

// GET /admin/serverinfo (ServerInfoAdminResource): the parts of Keycloak's
// ServerInfoRepresentation that describe what latchkey supports. Any
// admin role of any realm may read it (RealmsPermissionEvaluator.isAdmin).

var started = time.Now()

func (h *Handler) mountServerInfo(mux router) {
	mux.Handle("GET /admin/serverinfo", httpapi.Handle(h.Log, h.serverInfo))
}

// passwordPolicyType is Keycloak's PasswordPolicyTypeRepresentation, from
// each PasswordPolicyProviderFactory (display name, config type, default
// value, multiple supported).
type passwordPolicyType struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	ConfigType        string `json:"configType,omitempty"`
	DefaultValue      string `json:"defaultValue,omitempty"`
	MultipleSupported bool   `json:"multipleSupported"`
}

// passwordPolicyTypes describes every policy internal/policy implements
// (a test checks that the two lists match).
var passwordPolicyTypes = map[string]passwordPolicyType{
	policy.IDLength:                 {DisplayName: "Minimum Length", ConfigType: "int", DefaultValue: "8"},
	policy.IDMaxLength:              {DisplayName: "Maximum Length", ConfigType: "int", DefaultValue: "64"},
	policy.IDDigits:                 {DisplayName: "Digits", ConfigType: "int", DefaultValue: "1"},
	policy.IDLowerCase:              {DisplayName: "Lowercase Characters", ConfigType: "int", DefaultValue: "1"},
	policy.IDUpperCase:              {DisplayName: "Uppercase Characters", ConfigType: "int", DefaultValue: "1"},
	policy.IDSpecialChars:           {DisplayName: "Special Characters", ConfigType: "int", DefaultValue: "1"},
	policy.IDNotUsername:            {DisplayName: "Not Username"},
	policy.IDNotContainsUsername:    {DisplayName: "Not Contains Username"},
	policy.IDNotEmail:               {DisplayName: "Not Email"},
	policy.IDRegexPattern:           {DisplayName: "Regular Expression", ConfigType: "String", MultipleSupported: true},
	policy.IDPasswordHistory:        {DisplayName: "Not Recently Used", ConfigType: "int", DefaultValue: "3"},
	policy.IDPasswordAge:            {DisplayName: "Not Recently Used (In Days)", ConfigType: "int", DefaultValue: "30"},
	policy.IDForceExpiredChange:     {DisplayName: "Expire Password", ConfigType: "int", DefaultValue: "365"},
	policy.IDHashAlgorithm:          {DisplayName: "Hashing Algorithm", ConfigType: "String", DefaultValue: "argon2"},
	policy.IDHashIterations:         {DisplayName: "Hashing Iterations", ConfigType: "int", DefaultValue: "-1"},
	policy.IDPasswordBlacklist:      {DisplayName: "Password Blacklist", ConfigType: "String"},
	policy.IDMaxAuthAge:             {DisplayName: "Maximum Authentication Age", ConfigType: "int", DefaultValue: "300"},
	policy.IDRecoveryCodesThreshold: {DisplayName: "Recovery Codes Warning Threshold", ConfigType: "int", DefaultValue: "4"},
}

// PasswordPolicyTypeIDs lists the ids serverinfo describes, for tests.
func PasswordPolicyTypeIDs() []string {
	var out []string
	for id := range passwordPolicyTypes {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// latchkeyRequiredActions are the required actions latchkey carries out
// itself (the others are accepted and kept, for Keycloak's login pages).
var latchkeyRequiredActions = []string{"UPDATE_PASSWORD", "VERIFY_EMAIL"}

// passwordHashes are the password-hashing providers latchkey verifies and
// writes (credential.Algorithm*).
var passwordHashes = []string{"argon2", "pbkdf2", "pbkdf2-sha256", "pbkdf2-sha512"}

type spiInfo struct {
	Internal  bool                    `json:"internal"`
	Providers map[string]providerInfo `json:"providers"`
}

type providerInfo struct {
	Order int `json:"order"`
}

func spi(ids []string) spiInfo {
	out := spiInfo{Internal: true, Providers: map[string]providerInfo{}}
	for _, id := range ids {
		out.Providers[id] = providerInfo{}
	}
	return out
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// isAnyAdmin is RealmsPermissionEvaluator.isAdmin: master's admin or
// create-realm, or any admin role on any realm the caller administers.
func (h *Handler) isAnyAdmin(r *http.Request, c *caller) (bool, error) {
	if c.realm.Name == realm.MasterRealm && (slices.Contains(c.access.Realm, "admin") ||
		slices.Contains(c.access.Realm, "create-realm")) {
		return true, nil
	}
	realms, err := h.Store.ListRealms(r.Context())
	if err != nil {
		return false, err
	}
	for i := range realms {
		if p, err := c.permsFor(&realms[i]); err == nil && p.isAdmin() {
			return true, nil
		}
	}
	return false, nil
}

func (h *Handler) serverInfo(w http.ResponseWriter, r *http.Request) error {
	c, err := h.authenticate(r)
	if err != nil {
		return err
	}
	h.cors(c).Apply(w, r)
	if ok, err := h.isAnyAdmin(r, c); err != nil {
		return err
	} else if !ok {
		return errForbidden
	}
	now := h.now()
	up := now.Sub(started)
	policies := []passwordPolicyType{}
	for _, id := range PasswordPolicyTypeIDs() {
		p := passwordPolicyTypes[id]
		p.ID = id
		policies = append(policies, p)
	}
	sorted := func(in []string) []string {
		out := slices.Clone(in)
		slices.Sort(out)
		return out
	}
	info := map[string]any{
		"systemInfo": map[string]any{
			"version": version(), "serverTime": now.Format(time.RFC1123),
			"uptime": up.Truncate(time.Second).String(), "uptimeMillis": up.Milliseconds(),
			"osName": runtime.GOOS, "osArchitecture": runtime.GOARCH, "fileEncoding": "UTF-8",
		},
		"profileInfo": map[string]any{"name": "community", "disabledFeatures": []string{},
			"previewFeatures": []string{}, "experimentalFeatures": []string{}},
		"themes":           map[string]any{},
		"passwordPolicies": policies,
		"enums": map[string][]string{
			"eventType":     sorted(eventTypes),
			"operationType": {opAction, opCreate, opDelete, opUpdate},
			"resourceType":  sorted(resourceTypes),
		},
		"providers": map[string]spiInfo{
			"required-action":  spi(latchkeyRequiredActions),
			"password-hashing": spi(passwordHashes),
			"password-policy":  spi(policy.IDs()),
		},
	}
	httpapi.WriteJSON(w, http.StatusOK, info)
	return nil
}
