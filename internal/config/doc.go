// Package config is latchkey's one typed configuration: the options of the
// start and start-dev commands, their defaults, and Validate, which reports
// every problem at once so an operator fixes them in one go.
package config
