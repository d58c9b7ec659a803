package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// Groups live in realm_groups: parent_id is '' for top-level groups, so
// UNIQUE(realm_id, parent_id, name) keeps sibling names unique at every
// level. Path and SubGroupCount are derived on read: the count by a
// subquery on that index, the path by walking up the parents of a page of
// groups, one IN query per level.

const groupCols = `g.id, g.realm_id, g.parent_id, g.name, g.description,
	(SELECT count(*) FROM realm_groups c WHERE c.realm_id = g.realm_id AND c.parent_id = g.id)`

func scanGroup(sc interface{ Scan(...any) error }) (model.Group, error) {
	var g model.Group
	err := sc.Scan(&g.ID, &g.RealmID, &g.ParentID, &g.Name, &g.Description, &g.SubGroupCount)
	return g, err
}

// queryGroups runs a SELECT of groupCols and loads attributes and paths.
func queryGroups(ctx context.Context, q querier, query string, vals ...any) ([]model.Group, error) {
	rows, err := q.QueryContext(ctx, query, vals...)
	if err != nil {
		return nil, err
	}
	var out []model.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := loadGroupDetails(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) listGroups(ctx context.Context, query string, vals ...any) ([]model.Group, error) {
	var out []model.Group
	err := s.read(ctx, func(q querier) error {
		var err error
		out, err = queryGroups(ctx, q, query, vals...)
		return err
	})
	return out, err
}

// loadGroupDetails fills Attributes and Path.
func loadGroupDetails(ctx context.Context, q querier, groups []model.Group) error {
	if len(groups) == 0 {
		return nil
	}
	byID := make(map[string][]*model.Group, len(groups))
	ids := make([]string, 0, len(groups))
	type node struct{ parent, name string }
	known := map[string]node{}
	for i := range groups {
		g := &groups[i]
		if _, ok := byID[g.ID]; !ok {
			ids = append(ids, g.ID)
		}
		byID[g.ID] = append(byID[g.ID], g)
		known[g.ID] = node{g.ParentID, g.Name}
	}
	for _, chunk := range chunks(ids) {
		var a args
		rows, err := q.QueryContext(ctx, `SELECT group_id, name, value FROM group_attributes
			WHERE group_id IN `+a.in(chunk)+` ORDER BY group_id, position`, a.vals...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, name, value string
			if err := rows.Scan(&id, &name, &value); err != nil {
				rows.Close()
				return err
			}
			for _, g := range byID[id] {
				if g.Attributes == nil {
					g.Attributes = map[string][]string{}
				}
				g.Attributes[name] = append(g.Attributes[name], value)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	// Ancestors, one level per round.
	for {
		var missing []string
		for _, n := range known {
			if _, ok := known[n.parent]; n.parent != "" && !ok && !slices.Contains(missing, n.parent) {
				missing = append(missing, n.parent)
			}
		}
		if len(missing) == 0 {
			break
		}
		for _, chunk := range chunks(missing) {
			var a args
			rows, err := q.QueryContext(ctx, `SELECT id, parent_id, name FROM realm_groups WHERE id IN `+a.in(chunk), a.vals...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				var n node
				if err := rows.Scan(&id, &n.parent, &n.name); err != nil {
					rows.Close()
					return err
				}
				known[id] = n
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for _, id := range missing {
			if _, ok := known[id]; !ok {
				// A parent deleted concurrently: stop the walk there.
				known[id] = node{}
			}
		}
	}
	for i := range groups {
		var parts []string
		for id, depth := groups[i].ID, 0; id != "" && depth < 1000; depth++ {
			n := known[id]
			parts = append(parts, n.name)
			id = n.parent
		}
		slices.Reverse(parts)
		groups[i].Path = "/" + strings.Join(parts, "/")
	}
	return nil
}

// writeGroupAttributes stores g's attributes, the old ones being gone.
func writeGroupAttributes(ctx context.Context, q querier, g *model.Group) error {
	names := make([]string, 0, len(g.Attributes))
	for name := range g.Attributes {
		names = append(names, name)
	}
	slices.Sort(names)
	pos := 0
	for _, name := range names {
		for _, v := range g.Attributes[name] {
			if _, err := q.ExecContext(ctx, `INSERT INTO group_attributes (group_id, position, name, value)
				VALUES ($1, $2, $3, $4)`, g.ID, pos, name, v); err != nil {
				return err
			}
			pos++
		}
	}
	return nil
}

// requireGroup answers ErrNotFound unless the group is in the realm.
func requireGroup(ctx context.Context, q querier, realmID, id string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM realm_groups WHERE realm_id = $1 AND id = $2`, realmID, id).Scan(&one)
	return notFound(err, "group "+id)
}

// CreateGroup implements store.GroupStore.
func (s *Store) CreateGroup(ctx context.Context, g *model.Group) error {
	ensureID(&g.ID)
	return s.write(ctx, func(q querier) error {
		if g.ParentID != "" {
			if err := requireGroup(ctx, q, g.RealmID, g.ParentID); err != nil {
				return err
			}
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO realm_groups (id, realm_id, parent_id, name, name_lower, description)
			VALUES ($1, $2, $3, $4, $5, $6)`, g.ID, g.RealmID, g.ParentID, g.Name, strings.ToLower(g.Name), g.Description); err != nil {
			return err
		}
		return writeGroupAttributes(ctx, q, g)
	})
}

// GetGroup implements store.GroupStore.
func (s *Store) GetGroup(ctx context.Context, realmID, id string) (*model.Group, error) {
	gs, err := s.listGroups(ctx, `SELECT `+groupCols+` FROM realm_groups g WHERE g.realm_id = $1 AND g.id = $2`, realmID, id)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, fmt.Errorf("%w: group %s", store.ErrNotFound, id)
	}
	return &gs[0], nil
}

// GetGroupByPath implements store.GroupStore. As Keycloak's
// findGroupByPath, a name may itself hold a slash: at each level the
// shortest run of segments that names a group wins.
func (s *Store) GetGroupByPath(ctx context.Context, realmID, path string) (*model.Group, error) {
	p := strings.TrimPrefix(path, "/")
	p = strings.TrimSuffix(p, "/")
	segs := strings.Split(p, "/")
	var id string
	err := s.read(ctx, func(q querier) error {
		var find func(parent string, i int) (string, error)
		find = func(parent string, i int) (string, error) {
			for j := i; j < len(segs); j++ {
				name := strings.Join(segs[i:j+1], "/")
				var gid string
				err := q.QueryRowContext(ctx, `SELECT id FROM realm_groups WHERE realm_id = $1 AND parent_id = $2 AND name = $3`,
					realmID, parent, name).Scan(&gid)
				switch err = notFound(err, "group "+path); {
				case err == nil && j == len(segs)-1:
					return gid, nil
				case err == nil:
					return find(gid, j+1)
				case !errors.Is(err, store.ErrNotFound):
					return "", err
				}
			}
			return "", fmt.Errorf("%w: group %s", store.ErrNotFound, path)
		}
		if p == "" {
			return fmt.Errorf("%w: group %q", store.ErrNotFound, path)
		}
		var err error
		id, err = find("", 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.GetGroup(ctx, realmID, id)
}

// UpdateGroup implements store.GroupStore.
func (s *Store) UpdateGroup(ctx context.Context, g *model.Group) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE realm_groups SET name = $1, name_lower = $2, description = $3
			WHERE realm_id = $4 AND id = $5`, g.Name, strings.ToLower(g.Name), g.Description, g.RealmID, g.ID)
		if err != nil {
			return err
		}
		if err := mustAffect(res, "group "+g.ID); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM group_attributes WHERE group_id = $1`, g.ID); err != nil {
			return err
		}
		return writeGroupAttributes(ctx, q, g)
	})
}

// subtree selects id and every group below it (recursive, both dialects).
const subtree = `WITH RECURSIVE sub(id) AS (
		SELECT id FROM realm_groups WHERE realm_id = $1 AND id = $2
		UNION
		SELECT g.id FROM realm_groups g JOIN sub ON g.parent_id = sub.id WHERE g.realm_id = $1)`

// MoveGroup implements store.GroupStore.
func (s *Store) MoveGroup(ctx context.Context, realmID, id, parentID string) error {
	return s.write(ctx, func(q querier) error {
		if err := requireGroup(ctx, q, realmID, id); err != nil {
			return err
		}
		if parentID != "" {
			if err := requireGroup(ctx, q, realmID, parentID); err != nil {
				return err
			}
			var inside int
			if err := q.QueryRowContext(ctx, subtree+` SELECT count(*) FROM sub WHERE id = $3`,
				realmID, id, parentID).Scan(&inside); err != nil {
				return err
			}
			if inside > 0 {
				return store.ErrGroupCycle
			}
		}
		_, err := q.ExecContext(ctx, `UPDATE realm_groups SET parent_id = $1 WHERE realm_id = $2 AND id = $3`,
			parentID, realmID, id)
		return err
	})
}

// DeleteGroup implements store.GroupStore: the group and its subtree;
// attributes, mappings, members and default entries go by cascade.
func (s *Store) DeleteGroup(ctx context.Context, realmID, id string) error {
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM realm_groups WHERE realm_id = $1 AND id IN (`+
			subtree+` SELECT id FROM sub)`, realmID, id)
		if err != nil {
			return err
		}
		return mustAffect(res, "group "+id)
	})
}

// groupFilter renders q as a WHERE clause over "realm_groups g".
func groupFilter(a *args, realmID string, q store.GroupQuery) string {
	conds := []string{"g.realm_id = " + a.add(realmID)}
	if !q.AnyLevel {
		conds = append(conds, "g.parent_id = "+a.add(q.ParentID))
	}
	conds = append(conds, nameFilter(a, q)...)
	names := make([]string, 0, len(q.Attributes))
	for name := range q.Attributes {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		conds = append(conds, "g.id IN (SELECT ga.group_id FROM group_attributes ga WHERE ga.name = "+
			a.add(name)+" AND ga.value = "+a.add(q.Attributes[name])+")")
	}
	return strings.Join(conds, " AND ")
}

func nameFilter(a *args, q store.GroupQuery) []string {
	switch {
	case q.Search == "":
		return nil
	case q.Exact:
		return []string{"g.name = " + a.add(q.Search)}
	}
	return []string{"g.name_lower LIKE " + a.add("%"+likeEscape(strings.ToLower(q.Search))+"%") + ` ESCAPE '\'`}
}

// ListGroups implements store.GroupStore.
func (s *Store) ListGroups(ctx context.Context, realmID string, q store.GroupQuery) ([]model.Group, error) {
	var a args
	where := groupFilter(&a, realmID, q)
	return s.listGroups(ctx, `SELECT `+groupCols+` FROM realm_groups g WHERE `+where+
		` ORDER BY g.name, g.id`+limit(q.Page), a.vals...)
}

// CountGroups implements store.GroupStore.
func (s *Store) CountGroups(ctx context.Context, realmID string, q store.GroupQuery) (int, error) {
	var a args
	where := groupFilter(&a, realmID, q)
	var n int
	err := s.read(ctx, func(qr querier) error {
		return qr.QueryRowContext(ctx, `SELECT count(*) FROM realm_groups g WHERE `+where, a.vals...).Scan(&n)
	})
	return n, err
}
