package chat

import (
	"strconv"
	"testing"
	"time"
)

// TestUserRefsBound: the names cache holds at most UserRefCacheSize
// entries; a put that would pass it empties the cache first.
func TestUserRefsBound(t *testing.T) {
	var c userRefs
	now := time.Now()
	refs := make([]UserRef, UserRefCacheSize)
	for i := range refs {
		refs[i] = UserRef{ID: strconv.Itoa(i)}
	}
	_, _, gen := c.get(nil, now)
	c.put(refs, gen, now.Add(time.Minute))
	if len(c.m) != UserRefCacheSize {
		t.Fatalf("%d entries, want %d", len(c.m), UserRefCacheSize)
	}
	c.put([]UserRef{{ID: "one more"}}, gen, now.Add(time.Minute))
	if found, missing, _ := c.get([]string{"one more", "0"}, now); len(c.m) != 1 || len(found) != 1 || len(missing) != 1 {
		t.Fatalf("after one more: %d entries, found %v, missing %v; want only the new one", len(c.m), found, missing)
	}
}
