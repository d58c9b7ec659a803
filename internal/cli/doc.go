// Package cli is latchkey's command line (start-dev, start, version) on
// cobra. Every option also reads from LATCHKEY_<OPTION>; flags win. It lives
// outside main so tests drive it in-process with their own arguments,
// environment and output.
package cli
