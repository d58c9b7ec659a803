// Package app is latchkey's composition root: it opens the store, creates the
// master realm on first start, imports realms, builds every handler as a
// struct literal with only what it needs, mounts the routes and runs the
// HTTP server until its context ends. Nothing else wires dependencies.
package app
