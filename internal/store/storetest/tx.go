package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

var errBoom = errors.New("storetest: boom")

func testTransactions(t *testing.T, s store.Store) {
	realm := newRealm(t, s)

	t.Run("Commit", func(t *testing.T) {
		ctx := ctxFor(t)
		r := &model.Realm{Name: uniq("txcommit")}
		u := &model.User{Username: uniq("txcommit")}
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreateRealm(ctx, r); err != nil {
				return err
			}
			u.RealmID = r.ID
			return tx.CreateUser(ctx, u, true)
		})
		must(t, err)
		if _, err := s.GetRealm(ctx, r.ID); err != nil {
			t.Errorf("committed realm: %v", err)
		}
		if _, err := s.GetUser(ctx, r.ID, u.ID); err != nil {
			t.Errorf("committed user: %v", err)
		}
	})

	t.Run("ErrorRollsBack", func(t *testing.T) {
		ctx := ctxFor(t)
		existing := newUser(t, s, realm.ID, uniq("before"), func(u *model.User) { u.FirstName = "Before" })
		doomed := newUser(t, s, realm.ID, uniq("doomed"))
		r := &model.Realm{Name: uniq("txrollback")}
		u := &model.User{RealmID: realm.ID, Username: uniq("txrollback")}
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreateRealm(ctx, r); err != nil {
				return err
			}
			if err := tx.CreateUser(ctx, u, true); err != nil {
				return err
			}
			changed := *existing
			changed.FirstName = "After"
			if err := tx.UpdateUser(ctx, &changed, true); err != nil {
				return err
			}
			if err := tx.DeleteUser(ctx, realm.ID, doomed.ID); err != nil {
				return err
			}
			return fmt.Errorf("fn failed: %w", errBoom)
		})
		wantErr(t, "InTx returning an error", err, errBoom)
		if _, err := s.GetRealmByName(ctx, r.Name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rolled-back realm: err = %v, want ErrNotFound", err)
		}
		if _, err := s.GetUserByUsername(ctx, realm.ID, u.Username); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rolled-back user: err = %v, want ErrNotFound", err)
		}
		if got, err := s.GetUser(ctx, realm.ID, existing.ID); err != nil || got.FirstName != "Before" {
			t.Errorf("rolled-back update: %v, %v", got, err)
		}
		if _, err := s.GetUser(ctx, realm.ID, doomed.ID); err != nil {
			t.Errorf("rolled-back delete: %v", err)
		}
	})

	t.Run("ReadsSeeOwnWrites", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		err := s.InTx(ctx, func(tx store.Store) error {
			u := &model.User{RealmID: r.ID, Username: "Inside", Email: "inside@example.com"}
			if err := tx.CreateUser(ctx, u, true); err != nil {
				return err
			}
			if got, err := tx.GetUser(ctx, r.ID, u.ID); err != nil || got.Username != "inside" {
				t.Errorf("GetUser in tx = %v, %v", got, err)
			}
			if got, err := tx.GetUserByUsername(ctx, r.ID, "INSIDE"); err != nil || got.ID != u.ID {
				t.Errorf("GetUserByUsername in tx = %v, %v", got, err)
			}
			list, err := tx.ListUsers(ctx, r.ID, store.UserQuery{})
			if err != nil || len(list) != 1 {
				t.Errorf("ListUsers in tx = %q, %v", usernames(list), err)
			}
			role := &model.Role{RealmID: r.ID, Name: "inside"}
			if err := tx.CreateRole(ctx, role); err != nil {
				return err
			}
			if err := tx.GrantUserRoles(ctx, r.ID, u.ID, []string{role.ID}); err != nil {
				return err
			}
			roles, err := tx.ListUserRoles(ctx, r.ID, u.ID)
			if err != nil || len(roles) != 1 {
				t.Errorf("ListUserRoles in tx = %q, %v", roleNames(roles), err)
			}
			return nil
		})
		must(t, err)
	})

	t.Run("NestedJoinsOuter", func(t *testing.T) {
		ctx := ctxFor(t)
		r := &model.Realm{Name: uniq("txnested")}
		u := &model.User{Username: uniq("txnested")}
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreateRealm(ctx, r); err != nil {
				return err
			}
			inner := tx.InTx(ctx, func(tx2 store.Store) error {
				if _, err := tx2.GetRealm(ctx, r.ID); err != nil {
					return fmt.Errorf("inner tx does not see the outer's realm: %w", err)
				}
				u.RealmID = r.ID
				return tx2.CreateUser(ctx, u, true)
			})
			if inner != nil {
				return inner
			}
			if _, err := tx.GetUser(ctx, r.ID, u.ID); err != nil {
				return fmt.Errorf("outer tx does not see the inner's user: %w", err)
			}
			return errBoom // the inner work must go with the outer
		})
		wantErr(t, "nested InTx", err, errBoom)
		if _, err := s.GetRealmByName(ctx, r.Name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("outer write survived rollback: err = %v", err)
		}
		if u.ID != "" {
			if _, err := s.GetUser(ctx, r.ID, u.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("inner write survived the outer rollback: err = %v", err)
			}
		}
	})

	t.Run("NestedErrorRollsBackAll", func(t *testing.T) {
		ctx := ctxFor(t)
		name := uniq("txinner")
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreateUser(ctx, &model.User{RealmID: realm.ID, Username: name + "a"}, true); err != nil {
				return err
			}
			return tx.InTx(ctx, func(tx2 store.Store) error {
				if err := tx2.CreateUser(ctx, &model.User{RealmID: realm.ID, Username: name + "b"}, true); err != nil {
					return err
				}
				return errBoom
			})
		})
		wantErr(t, "nested InTx", err, errBoom)
		n, err := s.CountUsers(ctx, realm.ID, store.UserQuery{Username: name})
		must(t, err)
		if n != 0 {
			t.Errorf("%d users survived the rollback", n)
		}
	})

	t.Run("ConflictInside", func(t *testing.T) {
		ctx := ctxFor(t)
		taken := newUser(t, s, realm.ID, uniq("taken"))
		before := &model.User{RealmID: realm.ID, Username: uniq("first")}
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreateUser(ctx, before, true); err != nil {
				return err
			}
			err := tx.CreateUser(ctx, &model.User{RealmID: realm.ID, Username: taken.Username}, true)
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateUser(taken) in tx: err = %v, want ErrConflict", err)
			}
			return err
		})
		wantErr(t, "InTx after a conflict", err, store.ErrConflict)
		if _, err := s.GetUserByUsername(ctx, realm.ID, before.Username); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("write before the conflict survived: err = %v", err)
		}
	})

	t.Run("ConcurrentReadModifyWrite", func(t *testing.T) {
		// Each transaction reads a counter and writes it back plus one; a
		// store that lets two see the same value loses an increment.
		ctx := ctxFor(t)
		u := newUser(t, s, realm.ID, uniq("counter"))
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, n)
		start := make(chan struct{})
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs <- s.InTx(ctx, func(tx store.Store) error {
					got, err := tx.GetUser(ctx, realm.ID, u.ID)
					if err != nil {
						return err
					}
					got.NotBefore++
					return tx.UpdateUser(ctx, got, true)
				})
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("InTx: %v", err)
			}
		}
		got, err := s.GetUser(ctx, realm.ID, u.ID)
		must(t, err)
		if got.NotBefore != n {
			t.Errorf("counter = %d after %d increments: updates were lost", got.NotBefore, n)
		}
	})
}
