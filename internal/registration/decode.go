package registration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
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
		if errors.As(err, &te) && te.Field != "" {
			return nil, invalidRequest(http.StatusBadRequest, fmt.Sprintf("%s: expected %s, got %s", te.Field, jsonType(te.Type), te.Value))
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
// line and column; a body that is not one JSON object, an object with a
// repeated key, a key or string longer than maxString (so a password too:
// decode bounds it further to maxPassword) and nesting deeper than
// maxJSONDepth are refused, so no ambiguous or oversized value reaches the
// decoder's "last key wins".
func checkStructure(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		want   bool // in an object: the next token is a key
	}
	var stack []*frame
	done := false // the top-level object is complete
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			switch {
			case len(stack) != 0:
				return errors.New("Malformed JSON: unexpected end")
			case !done:
				return errors.New("Malformed JSON: empty body")
			}
			return nil
		}
		if err != nil || done {
			// The decoder's offsets are relative to the value it was
			// reading; the whole-document check gives absolute ones.
			return syntaxError(raw)
		}
		if len(stack) == 0 {
			if d, ok := tok.(json.Delim); !ok || d != '{' {
				return errors.New("The body must be a JSON object")
			}
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, isDelim := tok.(json.Delim); top != nil && top.object && top.want && !(isDelim && d == '}') {
			key, _ := tok.(string)
			if len(key) > maxString {
				return errors.New("A string value is too long")
			}
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
				if len(stack) == 0 {
					done = true
				}
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

// jsonType names a Go type as the JSON value it decodes.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "number"
	}
	return t.Kind().String()
}

// syntaxError names the line and column where the JSON broke, as the
// whole-document check finds it.
func syntaxError(raw []byte) error {
	var se *json.SyntaxError
	if err := json.Unmarshal(raw, new(json.RawMessage)); !errors.As(err, &se) {
		return errors.New("Malformed JSON")
	}
	offset := se.Offset - 1 // the offset counts the offending byte
	line, col := 1, 1
	for i := int64(0); i < offset && i < int64(len(raw)); i++ {
		if raw[i] == '\n' {
			line, col = line+1, 1
		} else if raw[i]&0xC0 != 0x80 { // count characters, not bytes
			col++
		}
	}
	return fmt.Errorf("Malformed JSON at line %d, column %d", line, col)
}
