package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// everyByte holds all 256 byte values, NUL and invalid UTF-8 included, so
// that a store keeping keys as text is caught.
func everyByte() []byte {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(255 - i%256)
	}
	return b
}

func testKeys(t *testing.T, s store.Store) {
	realm := newRealm(t, s)

	t.Run("RoundTrip", func(t *testing.T) {
		ctx := ctxFor(t)
		before := time.Now()
		gen := &model.SigningKey{RealmID: realm.ID, Algorithm: "HS512", Use: "sig", PrivateKey: []byte{0, 1, 2}}
		must(t, s.CreateKey(ctx, gen))
		checkGenerated(t, "key", gen.ID, gen.CreatedAt, before, time.Now())

		want := &model.SigningKey{
			ID: newID(), RealmID: realm.ID, Algorithm: "RS256", Use: "sig",
			PrivateKey: everyByte(), Certificate: append([]byte{0x30, 0x82, 0x00}, everyByte()...),
			Active: true, Enabled: true, Priority: 100,
			CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 600_000_000, time.UTC),
		}
		allSet(t, "key", want)
		must(t, s.CreateKey(ctx, want))
		keys, err := s.ListKeys(ctx, realm.ID)
		must(t, err)
		if len(keys) != 2 {
			t.Fatalf("ListKeys = %d keys, want 2", len(keys))
		}
		checkEqual(t, "key", &keys[0], want)
		if !bytes.Equal(keys[0].PrivateKey, want.PrivateKey) || !bytes.Equal(keys[0].Certificate, want.Certificate) {
			t.Errorf("key bytes changed on the way through the store")
		}
		if len(keys[1].Certificate) != 0 {
			t.Errorf("key without certificate reads one of %d bytes", len(keys[1].Certificate))
		}
		if !bytes.Equal(keys[1].PrivateKey, []byte{0, 1, 2}) {
			t.Errorf("HMAC secret = %x, want 000102", keys[1].PrivateKey)
		}
	})

	t.Run("OrderedByPriorityThenCreation", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		low := newKey(t, s, r.ID, 0, base)
		highNew := newKey(t, s, r.ID, 100, base.Add(2*time.Hour))
		mid := newKey(t, s, r.ID, 50, base.Add(5*time.Hour))
		highOld := newKey(t, s, r.ID, 100, base.Add(time.Hour))
		neg := newKey(t, s, r.ID, -10, base.Add(-time.Hour))
		keys, err := s.ListKeys(ctx, r.ID)
		must(t, err)
		got := make([]string, len(keys))
		for i, k := range keys {
			got[i] = k.ID
		}
		checkList(t, "keys by descending priority, then creation", got,
			[]string{highOld.ID, highNew.ID, mid.ID, low.ID, neg.ID})
	})

	t.Run("Update", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		k := newKey(t, s, r.ID, 10, time.Time{})
		want := *k
		want.Active, want.Enabled, want.Priority = false, false, -5
		want.CreatedAt = ms(k.CreatedAt)
		must(t, s.UpdateKey(ctx, &want))
		keys, err := s.ListKeys(ctx, r.ID)
		must(t, err)
		if len(keys) != 1 {
			t.Fatalf("ListKeys = %d keys, want 1", len(keys))
		}
		checkEqual(t, "updated key", &keys[0], &want)

		ghost := want
		ghost.ID = newID()
		wantErr(t, "UpdateKey(missing)", s.UpdateKey(ctx, &ghost), store.ErrNotFound)
		stray := want
		stray.RealmID = realm.ID
		wantErr(t, "UpdateKey naming another realm", s.UpdateKey(ctx, &stray), store.ErrNotFound)
	})

	t.Run("Delete", func(t *testing.T) {
		ctx := ctxFor(t)
		r := newRealm(t, s)
		k := newKey(t, s, r.ID, 0, time.Time{})
		keep := newKey(t, s, r.ID, 0, time.Time{})
		wantErr(t, "DeleteKey naming another realm", s.DeleteKey(ctx, realm.ID, k.ID), store.ErrNotFound)
		wantErr(t, "DeleteKey(missing)", s.DeleteKey(ctx, r.ID, newID()), store.ErrNotFound)
		must(t, s.DeleteKey(ctx, r.ID, k.ID))
		wantErr(t, "DeleteKey twice", s.DeleteKey(ctx, r.ID, k.ID), store.ErrNotFound)
		keys, err := s.ListKeys(ctx, r.ID)
		must(t, err)
		if len(keys) != 1 || keys[0].ID != keep.ID {
			t.Errorf("after delete: %d keys, want only %s", len(keys), keep.ID)
		}
	})

	t.Run("PerRealm", func(t *testing.T) {
		ctx := ctxFor(t)
		a, b := newRealm(t, s), newRealm(t, s)
		ka := newKey(t, s, a.ID, 0, time.Time{})
		newKey(t, s, b.ID, 0, time.Time{})
		keys, err := s.ListKeys(ctx, a.ID)
		must(t, err)
		if len(keys) != 1 || keys[0].ID != ka.ID || keys[0].RealmID != a.ID {
			t.Errorf("ListKeys(A) = %+v, want only A's key", keys)
		}
	})
}
