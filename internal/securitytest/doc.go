// Package securitytest holds black-box security tests of latchkey: the
// whole app behind real loopback servers, checked for leaked secrets and
// for its answers to hostile input (SQL metacharacters, path traversal,
// header injection, oversized requests, slow and idle clients). The tests
// are in the _test files; see docs/RELIABILITY.md.
package securitytest
