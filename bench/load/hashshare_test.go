//go:build linux

package main

import (
	"math"
	"testing"
)

func TestArgon2Share(t *testing.T) {
	top := `File: lk
Type: cpu
Showing nodes accounting for 5.45s, 95.95% of 5.68s total
      flat  flat%   sum%        cum   cum%
         0     0%     0%      5.40s 95.07%  net/http.(*conn).serve
     0.05s  0.88% 92.25%      5.11s 89.96%  golang.org/x/crypto/argon2.processBlockSSE
         0     0% 89.96%      5.27s 92.78%  golang.org/x/crypto/argon2.IDKey (inline)
     3.39s 59.68% 59.68%      3.39s 59.68%  golang.org/x/crypto/argon2.blamkaSSE4
`
	if got := argon2Share(top); math.Abs(got-0.9278) > 1e-9 {
		t.Fatalf("argon2Share = %v, want 0.9278 (IDKey's cumulative share)", got)
	}
	if got := argon2Share("nothing here"); got != 0 {
		t.Fatalf("argon2Share of no argon2 = %v", got)
	}
}
