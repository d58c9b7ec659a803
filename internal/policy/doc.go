// Package policy implements Keycloak's password policies for latchkey.
//
// A realm's policy is Keycloak's policy string, for example
// "length(8) and digits(1) and notUsername". Parse turns it into an immutable
// Policy with Keycloak's parser quirks and error messages; Policy.Validate
// checks a new password and reports every failing rule in the order Keycloak
// evaluates them (the bucket order of the java.util.HashMap that holds the
// parsed policies), so that the first violation is the one Keycloak's admin
// API would report. Policy.Rules publishes the password rules for clients.
//
// Character classes and lengths follow Java: a password is examined as UTF-16
// code units, and Character.isDigit, isLowerCase, isUpperCase and
// isLetterOrDigit are reproduced with Go's Unicode tables (both Unicode 15).
// Messages are the English texts of Keycloak's admin message bundle, with
// numbers formatted as java.text.MessageFormat formats them ("1,000").
//
// See docs/password-policy.md for every policy, its default configuration,
// its message, and where latchkey differs from Keycloak.
package policy
