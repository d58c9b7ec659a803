package sqlstore

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/store"
)

func TestArgsNumberPlaceholders(t *testing.T) {
	var a args
	if got := a.add("x"); got != "$1" {
		t.Fatalf("first placeholder %q", got)
	}
	if got := a.in([]string{"a", "b"}); got != "($2, $3)" {
		t.Fatalf("in = %q", got)
	}
	if len(a.vals) != 3 {
		t.Fatalf("vals = %v", a.vals)
	}
}

func TestLikeEscape(t *testing.T) {
	if got := likeEscape(`a%b_c\d`); got != `a\%b\_c\\d` {
		t.Fatalf("likeEscape = %q", got)
	}
}

func TestPrefixUpper(t *testing.T) {
	hi := prefixUpper("ab")
	for _, s := range []string{"ab", "abc", "ab\uffff", "abz\U0001F600"} {
		if !(s >= "ab" && s < hi) {
			t.Errorf("%q not in [ab, %q)", s, hi)
		}
	}
	for _, s := range []string{"aa", "ac", "b", "a"} {
		if s >= "ab" && s < hi {
			t.Errorf("%q wrongly in range", s)
		}
	}
}

func TestLimit(t *testing.T) {
	if got := limit(store.Page{First: 5, Max: 10}); got != " LIMIT 10 OFFSET 5" {
		t.Errorf("limit = %q", got)
	}
	if got := limit(store.Page{First: -3}); !strings.HasSuffix(got, " OFFSET 0") || !strings.Contains(got, "9223372036854775807") {
		t.Errorf("unbounded limit = %q", got)
	}
}

func TestChunks(t *testing.T) {
	ids := make([]string, 1201)
	c := chunks(ids)
	if len(c) != 3 || len(c[0]) != 500 || len(c[2]) != 201 {
		t.Fatalf("chunks: %d", len(c))
	}
	if chunks(nil) != nil {
		t.Fatal("chunks(nil) not empty")
	}
}
