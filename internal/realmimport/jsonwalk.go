package realmimport

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// A valueToken is one JSON value met while walking a document: a scalar, or
// the opening delimiter of an array or object. Start and End are byte
// offsets in the document; Path is its location, such as clients[2].redirectUris.
type valueToken struct {
	Path       string
	Tok        json.Token
	Start, End int64
}

type frame struct {
	array   bool
	index   int
	key     string
	wantKey bool
}

// walkValues calls fn for every value of the (already validated) document
// data, in document order, until fn returns false. Object keys are not
// values and are not reported.
func walkValues(data []byte, fn func(valueToken) bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*frame
	prevEnd := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		end := dec.InputOffset()
		start := valueStart(data, prevEnd)
		prevEnd = end
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			advance(stack)
			continue
		}
		if top != nil && !top.array && top.wantKey {
			top.key, _ = tok.(string)
			top.wantKey = false
			continue
		}
		if !fn(valueToken{Path: pathOf(stack), Tok: tok, Start: start, End: end}) {
			return
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{array: d == '[', wantKey: d == '{'})
			continue
		}
		advance(stack)
	}
}

// valueStart skips the white space and separators that precede a token.
func valueStart(data []byte, from int64) int64 {
	for from < int64(len(data)) {
		switch data[from] {
		case ' ', '\t', '\r', '\n', ',', ':':
			from++
		default:
			return from
		}
	}
	return from
}

func advance(stack []*frame) {
	if len(stack) == 0 {
		return
	}
	top := stack[len(stack)-1]
	if top.array {
		top.index++
	} else {
		top.wantKey = true
	}
}

func pathOf(stack []*frame) string {
	var b strings.Builder
	for _, f := range stack {
		if f.array {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
			continue
		}
		writeKey(&b, f.key)
	}
	return b.String()
}

// writeKey appends .key, or ["key"] when the key would be ambiguous in a
// dotted path.
func writeKey(b *strings.Builder, key string) {
	plain := key != ""
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			plain = false
			break
		}
	}
	if !plain {
		b.WriteString("[" + strconv.Quote(key) + "]")
		return
	}
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.WriteString(key)
}

// joinPath appends a key to a location.
func joinPath(base, key string) string {
	var b strings.Builder
	b.WriteString(base)
	writeKey(&b, key)
	return b.String()
}

// locate returns the location of the value that ends at or after offset,
// which is where encoding/json reports a type error.
func locate(data []byte, offset int64) string {
	loc := ""
	walkValues(data, func(v valueToken) bool {
		loc = v.Path
		return v.End < offset
	})
	return loc
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}
