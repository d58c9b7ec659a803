package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// The connections Open makes run with synchronous=FULL (2) when commits
// are to be durable and NORMAL (1) otherwise, readers and writer alike.
func TestDurableCommitsSetSynchronousFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	for _, durable := range []bool{false, true} {
		want := 1
		if durable {
			want = 2
		}
		for _, writer := range []bool{false, true} {
			db, err := sql.Open("sqlite", dsn(path, config{busyTimeout: 1000, durable: durable}, writer))
			if err != nil {
				t.Fatal(err)
			}
			var got int
			if err := db.QueryRow(`PRAGMA synchronous`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			db.Close()
			if got != want {
				t.Errorf("durable=%v writer=%v: synchronous=%d, want %d", durable, writer, got, want)
			}
		}
	}
}
