//go:build linux

package main

// Peer figures the report quotes beside its own: none is measured by this
// command. The report draws them as grey dotted lines or grey bars, each
// labelled "quoted".

// keycloakPerVCPU is Keycloak's published sizing per vCPU (the current
// guide, reference/keycloak-oidc-admin.md section 8): password logins,
// client_credentials grants and refreshes per second.
var keycloakPerVCPU = map[string]float64{"login": 15, "client-credentials": 120, "refresh": 120}

// keycloakBaseMemory is the guide's base memory per pod (realm caches and
// 10,000 cached sessions).
const keycloakBaseMemory = 1250e6

// ORY Kratos v26.2.0, measured on this machine kind and given by issue 9.
const (
	kratosOWASPPerCore  = 30.5  // registrations/s per core at OWASP's argon2id parameters
	kratosOWASPShare    = 0.61  // of the argon2id limit at those parameters
	kratosOWASPCPUms    = 33.0  // CPU per registration
	kratosRSSUnderLoad  = 476e6 // under OWASP registration load at c=16
	kratosPeakRSS       = 675e6 // peak, same load
	kratosIdleRSSLow    = 86e6
	kratosIdleRSSHigh   = 93e6
	kratosReadyMs       = 184 // plus kratosMigrationsS of migrations
	kratosMigrationsS   = 0.4
	kratosLookupSeconds = 1.1 // an identifier lookup at kratosLookupIdentities
	kratosLookupIdents  = 2551
)

// owaspTarget is the target for latchkey: 1.45 × Kratos's
// registrations per core at OWASP's parameters.
const owaspTarget = 1.45 * kratosOWASPPerCore

// kratosOWASPShare is Kratos's registrations per core as a share of the
// OWASP hash limit on the machine the issue measured it on (30.5 of about
// 50); owaspShareTarget is 1.45 times it: the same target judged against
// the limit measured in this run, for a machine whose limit differs.
const owaspShareTarget = 1.45 * kratosOWASPShare

// keysTarget is the target for client_credentials on an ES256 or
// EdDSA realm, grants per second per core.
const keysTarget = 10000

// horizontalTarget is the target for two processes on one
// PostgreSQL database against one.
const horizontalTarget = 1.6
