package chat

import (
	"context"
	"time"
)

// Data lifecycle (issue 16): what the cleanup job (internal/cleanup)
// deletes, in bounded batches, so that nothing grows forever.

// Defaults of the cleanup job.
const (
	// ClientIDWindow is how long a message's client_id (its idempotency
	// key) is kept: a client retries a send within seconds, so after a day
	// the key is cleared and leaves the unique index, which then holds only
	// the last day's messages (docs/performance.md, Storage).
	ClientIDWindow = 24 * time.Hour
	// CleanupBatch is how many rows one cleanup statement deletes: short
	// transactions, so the SQLite writer is never held for long.
	CleanupBatch = 500
)

// LifecycleStore deletes what has outlived its use. Each call changes at
// most limit rows, in one short transaction, and returns how many it
// changed (ClearClientIDs: walked); the caller repeats while that is limit.
type LifecycleStore interface {
	// DeleteExpiredSessions deletes sessions that expired before now.
	DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) (int64, error)
	// DeleteMailHistory deletes mail batches that are done (sent or
	// failed) and were created before before, with their notifications,
	// and notifications still pending from before before (never mailed:
	// the recipient's preference said no). It returns the batches and
	// notifications deleted.
	DeleteMailHistory(ctx context.Context, before time.Time, limit int) (int64, error)
	// ClearClientIDs clears the client_id of messages created before
	// before (see ClientIDWindow); their change number does not move, as
	// nothing a reader sees changes. It walks messages in commit order from
	// where its last call stopped (the store keeps that mark), at most
	// limit of them, and returns how many it walked, cleared or not: a
	// message costs no index of its own for the cleanup to find it.
	ClearClientIDs(ctx context.Context, before time.Time, limit int) (int64, error)
	// LiveMessagesBefore returns up to limit messages created before before
	// that are not tombstones, oldest first. It goes on from the first live
	// message its last call met (the store keeps that mark): what lies
	// before it are tombstones, which stay tombstones, so a history's
	// tombstones are read once, not by every call. Until they are
	// tombstoned, the same messages come again.
	LiveMessagesBefore(ctx context.Context, before time.Time, limit int) ([]MessageKey, error)
}

// Locker elects one instance of a deployment to run a job (the cleanup):
// internal/postgres holds a PostgreSQL advisory lock, internal/redis a key
// with a token, internal/memory a mutex (one SQLite instance). All pass
// chattest.TestLocker.
type Locker interface {
	// TryLock takes the lock called name if nobody holds it. held is false
	// when another holder has it. While held, the lock lasts until release
	// is called (an implementation with expiring locks renews them); a
	// holder that dies loses it (its connection or its renewals end).
	TryLock(ctx context.Context, name string) (release func(context.Context) error, held bool, err error)
}
