package sqlitedriver

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
)

// Every benchmark has one sub-benchmark per driver as its innermost level,
// so that in one `go test -bench` run the three drivers run back to back for
// each operation, and `benchstat -col /driver` puts them side by side.

// BenchmarkInsert: one user per transaction (BEGIN IMMEDIATE; INSERT; COMMIT)
// on the single writer connection, into a table that starts empty.
func BenchmarkInsert(b *testing.B) {
	for _, sync := range []string{"NORMAL", "FULL"} {
		b.Run("sync="+sync, func(b *testing.B) {
			for _, c := range order() {
				b.Run("driver="+c.name, func(b *testing.B) {
					s := openStore(b, c, b.TempDir(), sync)
					ctx := context.Background()
					i := 0
					defer cpuPerOp(b)()
					for b.Loop() {
						tx, err := s.w.BeginTx(ctx, nil)
						if err != nil {
							b.Fatal(err)
						}
						if _, err := tx.ExecContext(ctx, insertUser, uuid.NewString(), realmID, username(i), email(i), passwordHash, int64(i)); err != nil {
							b.Fatal(err)
						}
						if err := tx.Commit(); err != nil {
							b.Fatal(err)
						}
						i++
					}
				})
			}
		})
	}
}

// BenchmarkRegister: the write shape of a registration, user + password
// credential + default role mapping in one transaction (foreign keys on).
func BenchmarkRegister(b *testing.B) {
	for _, c := range order() {
		b.Run("driver="+c.name, func(b *testing.B) {
			s := openStore(b, c, b.TempDir(), "NORMAL")
			ctx := context.Background()
			i := 0
			defer cpuPerOp(b)()
			for b.Loop() {
				id := uuid.NewString()
				tx, err := s.w.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, insertUser, id, realmID, username(i), email(i), passwordHash, int64(i)); err != nil {
					b.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, insertCred, uuid.NewString(), id, credData, int64(i)); err != nil {
					b.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, insertRole, id, roleID); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkRead: queries on a database seeded once per driver per run with
// 100,000 users in the realm (and 2,000 in another realm).
func BenchmarkRead(b *testing.B) {
	stores := make(map[string]store)
	for _, c := range candidates {
		s := openStore(b, c, b.TempDir(), "NORMAL")
		seed(b, s)
		stores[c.name] = s
	}
	ctx := context.Background()

	// get by username through the read pool, from GOMAXPROCS goroutines.
	b.Run("op=get-parallel", func(b *testing.B) {
		for _, c := range order() {
			s := stores[c.name]
			b.Run("driver="+c.name, func(b *testing.B) {
				var seq atomic.Uint64
				stop := cpuPerOp(b)
				b.RunParallel(func(pb *testing.PB) {
					r := rand.New(rand.NewPCG(seq.Add(1), 42))
					var u userRow
					for pb.Next() {
						n := r.IntN(seedUsers)
						if err := s.r.QueryRowContext(ctx, getByName, realmID, username(n)).Scan(u.ptrs()...); err != nil {
							b.Error(err)
							return
						}
					}
				})
				stop()
			})
		}
	})

	// the same query from one goroutine: comparable with perf-anchors 2.3.
	b.Run("op=get-serial", func(b *testing.B) {
		for _, c := range order() {
			s := stores[c.name]
			b.Run("driver="+c.name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 42))
				var u userRow
				defer cpuPerOp(b)()
				for b.Loop() {
					n := r.IntN(seedUsers)
					if err := s.r.QueryRowContext(ctx, getByName, realmID, username(n)).Scan(u.ptrs()...); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})

	// the same query through a statement prepared once (database/sql keeps
	// one prepared copy per pooled connection): how much of get-serial is
	// preparing the SQL on every call.
	b.Run("op=get-prepared", func(b *testing.B) {
		for _, c := range order() {
			s := stores[c.name]
			b.Run("driver="+c.name, func(b *testing.B) {
				st, err := s.r.PrepareContext(ctx, getByName)
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				r := rand.New(rand.NewPCG(1, 42))
				var u userRow
				defer cpuPerOp(b)()
				for b.Loop() {
					n := r.IntN(seedUsers)
					if err := st.QueryRowContext(ctx, realmID, username(n)).Scan(u.ptrs()...); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})

	// username prefix search, LIMIT 20, an index range on (realm_id, username).
	b.Run("op=prefix", func(b *testing.B) {
		for _, c := range order() {
			s := stores[c.name]
			b.Run("driver="+c.name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(2, 42))
				var id, name, mail string
				defer cpuPerOp(b)()
				for b.Loop() {
					lo := fmt.Sprintf("user0%03d", r.IntN(1000)) // matches 100 users
					hi := lo[:len(lo)-1] + string(lo[len(lo)-1]+1)
					rows, err := s.r.QueryContext(ctx, prefixSearch, realmID, lo, hi)
					if err != nil {
						b.Fatal(err)
					}
					got := 0
					for rows.Next() {
						if err := rows.Scan(&id, &name, &mail); err != nil {
							b.Fatal(err)
						}
						got++
					}
					if err := rows.Close(); err != nil {
						b.Fatal(err)
					}
					if got != 20 {
						b.Fatalf("prefix %q: %d rows, want 20", lo, got)
					}
				}
			})
		}
	})

	// count(*) of the realm: a scan of 100,000 index entries.
	b.Run("op=count", func(b *testing.B) {
		for _, c := range order() {
			s := stores[c.name]
			b.Run("driver="+c.name, func(b *testing.B) {
				var n int
				defer cpuPerOp(b)()
				for b.Loop() {
					if err := s.r.QueryRowContext(ctx, countRealm, realmID).Scan(&n); err != nil {
						b.Fatal(err)
					}
					if n != seedUsers {
						b.Fatalf("count = %d, want %d", n, seedUsers)
					}
				}
			})
		}
	})
}

type userRow struct {
	id, realm, name, mail, hash string
	verified, enabled           bool
	created                     int64
}

func (u *userRow) ptrs() []any {
	return []any{&u.id, &u.realm, &u.name, &u.mail, &u.verified, &u.enabled, &u.hash, &u.created}
}

const writers = 8

// BenchmarkConcurrentWriters: 8 goroutines each inserting one user per
// transaction. pool=single is latchkey's layout: all writes share one
// connection, so they queue inside database/sql and never meet SQLite's lock.
// pool=8conns gives every writer its own connection and leaves the waiting to
// SQLite's busy handler (busy_timeout 5 s), for contrast. Errors that say
// "locked" or "busy" are counted in the locked-errs metric; any error fails
// the benchmark. ns/op is wall time per insert, so 1e9/ns_op is throughput.
func BenchmarkConcurrentWriters(b *testing.B) {
	for _, pool := range []struct {
		name  string
		conns int
	}{{"single", 1}, {"8conns", writers}} {
		b.Run("pool="+pool.name, func(b *testing.B) {
			for _, c := range order() {
				b.Run("driver="+c.name, func(b *testing.B) {
					dir := b.TempDir()
					s := openStore(b, c, dir, "NORMAL")
					w := s.w
					if pool.conns > 1 {
						w = openPool(b, c, filepath.Join(dir, c.name+".db"), "NORMAL", pool.conns)
					}
					ctx := context.Background()
					var seq, locked atomic.Int64
					// RunParallel starts parallelism*GOMAXPROCS goroutines.
					procs := runtime.GOMAXPROCS(0)
					b.SetParallelism((writers + procs - 1) / procs)
					b.ResetTimer()
					stop := cpuPerOp(b)
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							i := int(seq.Add(1))
							err := func() error {
								tx, err := w.BeginTx(ctx, nil)
								if err != nil {
									return err
								}
								defer tx.Rollback()
								if _, err := tx.ExecContext(ctx, insertUser, uuid.NewString(), realmID, username(i), email(i), passwordHash, int64(i)); err != nil {
									return err
								}
								return tx.Commit()
							}()
							if err != nil {
								msg := strings.ToLower(err.Error())
								if strings.Contains(msg, "locked") || strings.Contains(msg, "busy") {
									locked.Add(1)
								} else {
									b.Error(err)
								}
							}
						}
					})
					stop()
					b.ReportMetric(float64(locked.Load()), "locked-errs")
					if n := locked.Load(); n > 0 {
						b.Errorf("%d database is locked/busy errors", n)
					}
				})
			}
		})
	}
}
