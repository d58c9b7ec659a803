package registration_test

import (
	"net/http"
	"testing"
)

// TestUnicodeUsernames asserts what the user-profile validator decides for
// look-alike and invisible usernames, and that a refused one creates
// nothing. "admin" exists already, so an accepted look-alike would be a
// second account that reads as "admin".
func TestUnicodeUsernames(t *testing.T) {
	s := newServer(t, "", nil)
	if r := post(t, s, body(map[string]any{"username": "admin", "email": "admin@example.com"})); r.Status != http.StatusCreated {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	refused := invalid(usernameChars)
	tests := []struct {
		name, username string
		status         int
		want           string // the body of a refusal; the stored username of a success
	}{
		{"Cyrillic а in admin", "\u0430dmin", 400, refused},
		{"Greek ο in root", "r\u03bfot", 400, refused},
		{"zero-width space", "admin\u200b", 400, refused},
		{"zero-width joiner", "ad\u200dmin", 400, refused},
		{"zero-width non-joiner", "ad\u200cmin", 400, refused},
		{"byte order mark", "\ufeffadmin", 400, refused},
		{"word joiner", "ad\u2060min", 400, refused},
		{"soft hyphen", "ad\u00admin", 400, refused},
		{"right-to-left override", "nimda\u202e", 400, refused},
		{"combining grapheme joiner", "admin\u034f", 400, refused},
		{"variation selector", "admin\ufe0f", 400, refused},
		{"full-width letters", "\uff41\uff44\uff4d\uff49\uff4e", 400, refused},
		{"ligature", "\ufb01le", 400, refused},
		{"roman numeral", "\u2168admin", 400, refused},
		{"combining acute accent (decomposed é)", "e\u0301mile", 400, refused},
		{"non-breaking space", "ad\u00a0min", 400, refused},
		{"ideographic space", "ad\u3000min", 400, refused},
		{"control character", "ad\u0007min", 400, refused},
		{"mixed case of an existing user", "ADMIN", 409, `{"error":"username_in_use","error_description":"Username already exists."}`},
		{"mixed case stored lower-case", "MixedCase", 201, "mixedcase"},
		{"precomposed é", "\u00e9mile", 201, "\u00e9mile"},
		{"one script: Greek", "\u0391\u03b8\u03b7\u03bd\u03b1", 201, "\u03b1\u03b8\u03b7\u03bd\u03b1"},
		{"one script: Cyrillic", "\u0418\u0432\u0430\u043d", 201, "\u0438\u0432\u0430\u043d"},
		{"CJK", "\u7528\u6237\u540d", 201, "\u7528\u6237\u540d"},
		{"Latin with digits and allowed punctuation", "j.doe-1_x@home+tag", 201, "j.doe-1_x@home+tag"},
		{"dotless ı is Latin: not caught", "adm\u0131n", 201, "adm\u0131n"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(users(t, s))
			r := post(t, s, body(map[string]any{"username": tt.username, "email": "u" + string(rune('a'+i)) + "@example.com"}))
			if tt.status == http.StatusCreated {
				if r.Status != http.StatusCreated {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				if got := r.json(t)["username"]; got != tt.want {
					t.Errorf("username %q, want %q", got, tt.want)
				}
				if userNamed(t, s, tt.want) == nil {
					t.Errorf("%q not stored", tt.want)
				}
				return
			}
			wantJSON(t, r, tt.status, tt.want)
			if after := len(users(t, s)); after != before {
				t.Errorf("%d users before, %d after", before, after)
			}
		})
	}
}
