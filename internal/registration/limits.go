package registration

// Default registration limits, in attempts per minute; a realm sets its own
// with the attributes registrationRateLimitPerAddress and
// registrationRateLimitPerRealm ("0" turns one off).
const (
	defaultPerAddress = 10
	defaultPerRealm   = 600
)
