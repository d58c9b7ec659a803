package export

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/latchkey/latchkey/internal/kcrep"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/realmimport"
	"github.com/latchkey/latchkey/internal/store"
)

// Import outcomes of a realm.
const (
	Created    = "created"
	Overridden = "overridden"
	Skipped    = "skipped"
)

// ImportOptions say how to import.
type ImportOptions struct {
	// Override replaces a realm that exists; otherwise it is skipped.
	Override bool
	// BatchSize is the number of users written per transaction; default 1000.
	BatchSize int
	// Progress, when set, counts users as they are written.
	Progress *Progress
	Log      *slog.Logger
}

// ImportSummary is what happened to one realm of the files.
type ImportSummary struct {
	Realm  string
	Action string // Created, Overridden or Skipped
	Reason string // why it was skipped
	Users  int
}

// Import reads the realm file or export directory at path and creates its
// realms. Every file is read and checked first (realmimport.Scan), so a bad
// file stops the import before anything is written. Each realm is then
// created in one transaction (with Override, the existing realm is deleted
// in that same transaction) and its users are written in batches of
// BatchSize, one transaction each. If a batch fails, the realm this import
// created is deleted again, so no realm is left half-imported; realms
// imported before it stay.
func Import(ctx context.Context, svc *realm.Service, path string, opts ImportOptions) ([]ImportSummary, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	sources, err := realmimport.Scan(path)
	if err != nil {
		return nil, err
	}
	var sums []ImportSummary
	for _, src := range sources {
		sum, err := importRealm(ctx, svc, src, opts)
		sums = append(sums, sum)
		if err != nil {
			return sums, err
		}
	}
	return sums, nil
}

func importRealm(ctx context.Context, svc *realm.Service, src *realmimport.Source, opts ImportOptions) (ImportSummary, error) {
	rep := src.Realm
	sum := ImportSummary{Realm: rep.Realm}
	if rep.Realm == realm.MasterRealm {
		sum.Action, sum.Reason = Skipped, "importing the master realm is not supported"
		return sum, nil
	}
	_, err := svc.Store.GetRealmByName(ctx, rep.Realm)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return sum, err
	}
	if exists && !opts.Override {
		sum.Action, sum.Reason = Skipped, "realm exists (use --override true to replace it)"
		return sum, nil
	}
	if sections := rep.UnmodelledSections(); len(sections) > 0 {
		opts.Log.Info("import: sections latchkey does not model yet are left aside",
			"realm", rep.Realm, "file", src.Path, "sections", sections)
	}
	r, err := createRealm(ctx, svc, &rep, exists)
	if err != nil {
		return sum, fmt.Errorf("%s: realm %s: %w", src.Path, rep.Realm, err)
	}
	sum.Action = Created
	if exists {
		sum.Action = Overridden
	}
	n, err := importUsers(ctx, svc, r, src, opts)
	sum.Users = n
	if err != nil {
		// Compensate: the realm and the batches written so far go.
		derr := svc.Delete(context.WithoutCancel(ctx), r.Name)
		sum.Action = ""
		if derr != nil {
			return sum, fmt.Errorf("realm %s: %w; removing the partly imported realm failed too, delete it by hand: %v",
				r.Name, err, derr)
		}
		return sum, fmt.Errorf("realm %s: %w (the realm was removed again: nothing of it is left)", r.Name, err)
	}
	return sum, nil
}

// createRealm creates the realm without its users; with replace, the
// existing realm of that name is deleted in the same transaction.
func createRealm(ctx context.Context, svc *realm.Service, rep *kcrep.RealmRepresentation, replace bool) (*model.Realm, error) {
	if !replace {
		return svc.Import(ctx, rep)
	}
	var r *model.Realm
	err := svc.Store.InTx(ctx, func(tx store.Store) error {
		inTx := *svc
		inTx.Store = tx
		if err := inTx.Delete(ctx, rep.Realm); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		var err error
		r, err = inTx.Import(ctx, rep)
		return err
	})
	return r, err
}

// importUsers streams the realm's users into batches of opts.BatchSize.
func importUsers(ctx context.Context, svc *realm.Service, r *model.Realm, src *realmimport.Source, opts ImportOptions) (int, error) {
	p := opts.Progress
	p.Begin("import "+r.Name, src.UserCount)
	defer p.End()
	done := 0
	batch := make([]realm.ImportUser, 0, opts.BatchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := svc.ImportUsers(ctx, r, batch); err != nil {
			return err
		}
		done += len(batch)
		p.Add(len(batch))
		clear(batch)
		batch = batch[:0]
		return nil
	}
	err := src.Users(ctx, func(u *kcrep.UserRepresentation, path, loc string) error {
		batch = append(batch, realm.ImportUser{Rep: u, Where: path + ": " + loc})
		if len(batch) >= opts.BatchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return done, err
}
