package model

// Group is a node of a realm's group tree. Members of a group hold the
// roles mapped to it and to each of its ancestors. Names are unique among
// siblings (top-level groups are siblings of each other).
type Group struct {
	ID      string
	RealmID string
	// ParentID is the parent group's id, empty for a top-level group.
	ParentID    string
	Name        string
	Description string
	// Attributes are multi-valued, as in Keycloak. Order of values is kept.
	Attributes map[string][]string
	// Path is "/top/child/name", and SubGroupCount the number of direct
	// subgroups. Stores derive both on read; they are ignored on write.
	Path          string
	SubGroupCount int
}
