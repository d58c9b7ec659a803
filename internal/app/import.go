package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/realmimport"
)

// importRealms loads --import-realm and creates the realms it names. The
// whole of PATH is parsed and checked before anything is written, so a bad
// file stops the start with its path and JSON location; a realm that exists
// already is skipped, as Keycloak skips it.
func importRealms(ctx context.Context, realms *realm.Service, log *slog.Logger, path string) error {
	files, err := realmimport.Load(path, os.LookupEnv)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	for _, f := range files {
		rep := f.Realm
		if rep.Realm == realm.MasterRealm {
			log.Warn("import: skipping the master realm; importing master is not supported", "file", f.Path)
			continue
		}
		if sections := rep.UnmodelledSections(); len(sections) > 0 {
			log.Info("import: sections latchkey does not model yet are left aside",
				"realm", rep.Realm, "file", f.Path, "sections", sections)
		}
		r, err := realms.Import(ctx, &rep)
		if errors.Is(err, realm.ErrExists) {
			log.Info("import: realm exists, skipped", "realm", rep.Realm, "file", f.Path)
			continue
		}
		if err != nil {
			return fmt.Errorf("import %s: realm %s: %w", f.Path, rep.Realm, err)
		}
		log.Info("import: realm created", "realm", r.Name, "id", r.ID, "file", f.Path,
			"clients", len(rep.Clients), "users", len(rep.Users))
	}
	return nil
}
