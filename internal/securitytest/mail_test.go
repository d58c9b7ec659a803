package securitytest_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// devMail is one mail written by the start-dev sink.
type devMail struct {
	Header mail.Header
	Raw    string
	Text   string // every text part, decoded
}

// waitMails waits (at most 10 s) until the dev sink holds n mails and
// returns them.
func (s *server) waitMails(n int) []devMail {
	s.t.Helper()
	dir := filepath.Join(s.Cfg.DataDir, "mail")
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		if len(files) >= n {
			// The sink writes the file in place: a mail still being
			// written does not parse yet.
			var out []devMail
			for _, f := range files {
				if m, err := readMail(f); err == nil {
					out = append(out, m)
				}
			}
			if len(out) == len(files) {
				return out
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%d mails in %s after 10 s, want %d", len(files), dir, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readMail(file string) (devMail, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return devMail{}, err
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return devMail{}, err
	}
	var text strings.Builder
	if err := decodePart(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, &text); err != nil {
		return devMail{}, err
	}
	if strings.TrimSpace(text.String()) == "" {
		return devMail{}, io.ErrUnexpectedEOF
	}
	return devMail{Header: m.Header, Raw: string(raw), Text: text.String()}, nil
}

func decodePart(ctype, cte string, body io.Reader, out *strings.Builder) error {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for i := 0; i < 20; i++ {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := decodePart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, out); err != nil {
				return err
			}
		}
		return nil
	}
	switch strings.ToLower(cte) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	out.Write(b)
	out.WriteString("\n")
	return nil
}
