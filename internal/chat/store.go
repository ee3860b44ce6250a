package chat

import "context"

// Store is the source of truth. Implementations: internal/sqlite (embedded
// default) and internal/postgres; both pass chattest.TestStore.
type Store interface {
	UserStore
	RoomStore
	MemberStore
	MessageStore
	ChangeStore
	OutboxStore
	SearchStore
	AccountDataStore
	LifecycleStore
	AdminStore
	ReportStore
	PasswordResetStore
	UploadStore
	// Ping reports whether the database answers (readiness).
	Ping(ctx context.Context) error
	Close() error
}
