// Package mail delivers latchkey's e-mails: the verify-email and
// execute-actions messages Keycloak sends, with latchkey's numeric code
// added for mobile apps.
//
// Mail is never sent from a request. The code that asks for a mail renders
// it (Templates.Render) and enqueues it with store.OutboxStore in the same
// transaction as the change that asks for it; the Outbox worker claims due
// messages, sends each with its realm's smtpServer settings (Settings, in
// Keycloak's representation) through a Sender, and records the outcome,
// retrying with backoff. A crash between commit and send loses nothing:
// the claim's lease runs out and another worker, in this process after a
// restart or in another one, sends the message. Claims are atomic, so
// several processes on one database never send one message twice; a crash
// after the SMTP server accepted a message but before it was marked sent
// does resend it (delivery is at least once, as with any outbox).
//
// In start-dev a realm without an SMTP server still gets its mail: the
// worker writes it as an .eml file (DevSink) and logs where.
package mail
