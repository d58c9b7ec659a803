package registration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"unicode/utf8"

	"github.com/latchkey/latchkey/internal/httpapi"
)

// Bounds of a registration body.
const (
	maxBody      = 64 << 10
	maxString    = 2048 // Keycloak's default attribute length bound
	maxPassword  = 1024
	maxAttrs     = 32
	maxAttrVals  = 16
	maxJSONDepth = 8
)

// input is what a registration may carry. Everything else a body holds
// (emailVerified, enabled, credentials, requiredActions, roles, groups, id,
// createdTimestamp, ...) is read past and ignored: the server decides those.
type input struct {
	Username     string              `json:"username"`
	Email        string              `json:"email"`
	FirstName    string              `json:"firstName"`
	LastName     string              `json:"lastName"`
	Password     string              `json:"password"`
	Attributes   map[string][]string `json:"attributes"`
	ClientID     string              `json:"client_id"`
	Login        bool                `json:"login"`
	Scope        string              `json:"scope"`
	CaptchaToken string              `json:"captchaToken"`
}

func invalidRequest(status int, desc string) *httpapi.Error {
	return httpapi.OAuthError(status, "invalid_request", desc)
}

// decode reads the body strictly: JSON only (415), at most 64 KiB (413),
// well-formed (400 naming where it broke), no duplicated keys, strings of
// bounded length, the right types.
func decode(w http.ResponseWriter, r *http.Request) (*input, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, invalidRequest(http.StatusUnsupportedMediaType, "Content-Type must be application/json")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, invalidRequest(http.StatusRequestEntityTooLarge, "Request body too large")
		}
		return nil, invalidRequest(http.StatusBadRequest, "Could not read the request body")
	}
	if !utf8.Valid(raw) {
		return nil, invalidRequest(http.StatusBadRequest, "Request body is not valid UTF-8")
	}
	if err := checkStructure(raw); err != nil {
		return nil, invalidRequest(http.StatusBadRequest, err.Error())
	}
	var in input
	if err := json.Unmarshal(raw, &in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, invalidRequest(http.StatusBadRequest, fmt.Sprintf("%s: expected %s, got %s", te.Field, te.Type, te.Value))
		}
		return nil, invalidRequest(http.StatusBadRequest, "Malformed JSON")
	}
	if len(in.Password) > maxPassword {
		return nil, invalidRequest(http.StatusBadRequest, "password: too long")
	}
	if len(in.Attributes) > maxAttrs {
		return nil, invalidRequest(http.StatusBadRequest, "attributes: too many")
	}
	for name, vals := range in.Attributes {
		if len(vals) > maxAttrVals || len(name) > 255 {
			return nil, invalidRequest(http.StatusBadRequest, "attributes."+name+": too many values")
		}
	}
	return &in, nil
}

// checkStructure walks the JSON once: a syntax error is reported with its
// line and column; an object with a repeated key, a string longer than
// maxString (the password excepted, bounded separately) and nesting deeper
// than maxJSONDepth are refused, so no ambiguous or oversized value reaches
// the decoder's "last key wins".
func checkStructure(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		want   bool // in an object: the next token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if len(stack) != 0 {
				return errors.New("Malformed JSON: unexpected end")
			}
			return nil
		}
		if err != nil {
			return syntaxError(raw, dec.InputOffset(), err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, isDelim := tok.(json.Delim); top != nil && top.object && top.want && !(isDelim && d == '}') {
			key, _ := tok.(string)
			if top.keys[key] {
				return fmt.Errorf("Duplicate key %q", key)
			}
			top.keys[key] = true
			top.want = false
			continue
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if len(stack) >= maxJSONDepth {
					return errors.New("JSON nested too deeply")
				}
				stack = append(stack, &frame{object: v == '{', keys: map[string]bool{}, want: v == '{'})
				continue
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if len(v) > maxString {
				return errors.New("A string value is too long")
			}
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].want = true
		}
	}
}

// syntaxError names the line and column where the JSON broke.
func syntaxError(raw []byte, offset int64, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		offset = se.Offset
	}
	line, col := 1, 1
	for i := int64(0); i < offset && i < int64(len(raw)); i++ {
		if raw[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("Malformed JSON at line %d, column %d", line, col)
}
