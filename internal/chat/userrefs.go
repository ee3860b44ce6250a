package chat

import (
	"context"
	"sync"
	"time"
)

// Presence frames name the users online in a room, and in a reconnect
// storm every room of every instance asks again each debounce period: one
// store read each. Names rarely change, so each instance keeps them for
// UserRefTTL, evicted on every instance when a user changes (the sessions
// channel's user_changed, as sessions are); if that message is lost, an
// entry lives at most UserRefTTL. After a broker outage all are dropped.
const (
	UserRefTTL       = 30 * time.Second
	UserRefCacheSize = 100_000 // entries; when full the cache is emptied and refills
)

type userRefEntry struct {
	ref     UserRef
	expires time.Time
}

// userRefs is that cache. gen counts evictions, so that a read from the
// store that began before one does not put back what it evicted.
type userRefs struct {
	mu  sync.Mutex
	m   map[string]userRefEntry
	gen uint64
}

// get returns the fresh entries among ids, the ids it lacks, and the
// generation to put what the store returns for them under.
func (c *userRefs) get(ids []string, now time.Time) (found []UserRef, missing []string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if e, ok := c.m[id]; ok && now.Before(e.expires) {
			found = append(found, e.ref)
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing, c.gen
}

// put keeps refs read from the store, unless an eviction came since gen.
func (c *userRefs) put(refs []UserRef, gen uint64, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil || len(c.m)+len(refs) > UserRefCacheSize {
		c.m = map[string]userRefEntry{}
	}
	for _, r := range refs {
		c.m[r.ID] = userRefEntry{ref: r, expires: expires}
	}
}

// evict drops one user's entry, or every entry when userID is empty.
func (c *userRefs) evict(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if userID == "" {
		clear(c.m)
		return
	}
	delete(c.m, userID)
}

// UsersByIDs returns public references for ids (presence lists), in no
// particular order; unknown ids are left out.
func (s *Service) UsersByIDs(ctx context.Context, ids []string) ([]UserRef, error) {
	found, missing, gen := s.userRefs.get(ids, s.now())
	if len(missing) == 0 {
		return found, nil
	}
	us, err := s.store.UsersByIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	refs := make([]UserRef, len(us))
	for i, u := range us {
		refs[i] = u.Ref()
	}
	s.userRefs.put(refs, gen, s.now().Add(UserRefTTL))
	return append(found, refs...), nil
}
