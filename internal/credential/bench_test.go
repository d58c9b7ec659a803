package credential

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"testing"
)

// One verification (the same work as one hash) per iteration, through the
// code path logins use. Run with -cpu 1 for per-core figures:
//
//	go test -run '^$' -bench . -cpu 1 ./internal/credential
func benchVerify(b *testing.B, e Encoded) {
	st, err := parse(e)
	if err != nil {
		b.Fatal(err)
	}
	check, err := verifierFor(st)
	if err != nil {
		b.Fatal(err)
	}
	if !check("bench-password") {
		b.Fatal("setup credential does not verify")
	}
	for b.Loop() {
		check("bench-password")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

func BenchmarkArgon2idKeycloak(b *testing.B) {
	benchVerify(b, kcArgon2("bench-password", "id", salt16, 5, 7168, 1, 32, "additionalParameters"))
}

func BenchmarkArgon2idOWASP(b *testing.B) {
	benchVerify(b, kcArgon2("bench-password", "id", salt16, 2, 19456, 1, 32, "additionalParameters"))
}

func BenchmarkPBKDF2SHA512_210k(b *testing.B) {
	benchVerify(b, kcPBKDF2("bench-password", "pbkdf2-sha512", sha512.New, salt16, 210_000, 64))
}

func BenchmarkPBKDF2SHA256_600k(b *testing.B) {
	benchVerify(b, kcPBKDF2("bench-password", "pbkdf2-sha256", sha256.New, salt16, 600_000, 32))
}

func BenchmarkPBKDF2SHA256_27500_32B(b *testing.B) {
	benchVerify(b, kcPBKDF2("bench-password", "pbkdf2-sha256", sha256.New, salt16, 27_500, 32))
}

func BenchmarkPBKDF2SHA256_27500_64B(b *testing.B) {
	benchVerify(b, kcPBKDF2("bench-password", "pbkdf2-sha256", sha256.New, salt16, 27_500, 64))
}

func BenchmarkPBKDF2SHA1_1300k(b *testing.B) {
	benchVerify(b, kcPBKDF2("bench-password", "pbkdf2", sha1.New, salt16, 1_300_000, 64))
}

func BenchmarkBcrypt10(b *testing.B) {
	benchVerify(b, kcBcryptB(b, 10))
}

func BenchmarkBcrypt12(b *testing.B) {
	benchVerify(b, kcBcryptB(b, 12))
}
