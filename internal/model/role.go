package model

// Role is a realm role (ClientID empty) or a client role (ClientID is the
// owning client's internal id). Names are unique per realm for realm roles
// and per client for client roles.
type Role struct {
	ID          string
	RealmID     string
	ClientID    string
	Name        string
	Description string
	// Composite is true when the role has child roles. Stores derive it on
	// read; it is ignored on write.
	Composite  bool
	Attributes map[string][]string
}

// ClientRole reports whether r belongs to a client rather than the realm.
func (r Role) ClientRole() bool { return r.ClientID != "" }
