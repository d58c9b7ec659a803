// Package registration is latchkey's JSON self-registration API for mobile
// and single-page apps: POST /realms/{realm}/protocol/openid-connect/
// registrations creates a user with one JSON request, without a browser or
// admin credentials, through the same user-creation core as the admin API,
// and GET on the same URL publishes the realm's registration rules and
// password policy so an app can check a form before sending it. Anyone on
// the internet can call it, so it only takes what a user may set, and it
// is bounded: body size, rate limits per address and per realm, optional
// CAPTCHA and email-domain lists.
package registration
