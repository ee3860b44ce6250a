package memory

import (
	"context"
	"sync"

	"github.com/open-chat/openchat/internal/chat"
)

// Locker is a chat.Locker within one process: enough for one instance on
// SQLite, the only deployment without PostgreSQL or Redis.
type Locker struct {
	mu   sync.Mutex
	held map[string]bool
}

var _ chat.Locker = (*Locker)(nil)

// NewLocker returns a Locker holding nothing.
func NewLocker() *Locker { return &Locker{held: map[string]bool{}} }

// TryLock implements chat.Locker.
func (l *Locker) TryLock(_ context.Context, name string) (func(context.Context) error, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[name] {
		return nil, false, nil
	}
	l.held[name] = true
	var once sync.Once
	return func(context.Context) error {
		once.Do(func() {
			l.mu.Lock()
			delete(l.held, name)
			l.mu.Unlock()
		})
		return nil
	}, true, nil
}
