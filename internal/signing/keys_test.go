package signing

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"testing"
	"time"
)

func TestNewRealmKeys(t *testing.T) {
	now := time.Now().UTC()
	keys, err := NewRealmKeys("rid", "demo", now)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ActiveKey(keys, RS256)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(rs.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "demo" {
		t.Errorf("certificate CN = %q", cert.Subject.CommonName)
	}
	pubB64, err := PublicKeyBase64(rs)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := base64.StdEncoding.DecodeString(pubB64)
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		t.Fatal(err)
	}
	if pub.(*rsa.PublicKey).N.Cmp(cert.PublicKey.(*rsa.PublicKey).N) != 0 {
		t.Error("public_key and certificate disagree")
	}
	if kid, _ := KeyID(pub); kid != rs.ID {
		t.Errorf("kid %q, derived %q", rs.ID, kid)
	}
	hs, err := ActiveKey(keys, HS512)
	if err != nil || len(hs.PrivateKey) != 64 {
		t.Fatalf("HS512 key: %v, %d bytes", err, len(hs.PrivateKey))
	}
	if _, err := PublicKeyBase64(hs); err == nil {
		t.Error("an HMAC secret has no public key")
	}
	if _, err := ActiveKey(keys, "ES256"); err == nil {
		t.Error("no ES256 key was made")
	}
}
