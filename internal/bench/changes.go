package bench

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Edits and reactions in the fan-out scenario (--edit-rate, --react-rate):
// the publishers' users edit and react to their own latest messages over
// the HTTP API while the posts flow, and the subscribers count the
// message_updated and reaction frames, so a soak exercises every kind of
// change and can tell whether any was lost.

// maxChangesInFlight bounds concurrent edit and reaction requests.
const maxChangesInFlight = 16

// reactEmoji are the reactions the tool toggles, one per request in turn.
var reactEmoji = []string{":+1:", ":eyes:", ":rocket:", ":tada:"}

// posted is a message a publisher had acked: what its user may edit.
type posted struct {
	room string
	seq  int64
}

// changer makes the edits and reactions.
type changer struct {
	a      *api
	pubs   *publishers
	tokens []string // publisher i signs in as tokens[i%len]

	mu      sync.Mutex
	edits   map[string]int64  // room id → edits the server accepted
	reacts  map[string]int64  // room id → reactions added or taken back
	on      map[reactKey]bool // reactions the tool has added
	busy    map[reactKey]bool // reactions with a request out
	errs    errorTally
	nEdits  atomic.Int64
	nReacts atomic.Int64
}

type reactKey struct {
	room  string
	seq   int64
	emoji string
}

func newChanger(a *api, pubs *publishers, tokens []string) *changer {
	return &changer{a: a, pubs: pubs, tokens: tokens, edits: map[string]int64{}, reacts: map[string]int64{},
		on: map[reactKey]bool{}, busy: map[reactKey]bool{}}
}

// run edits at editRate and reacts at reactRate (per second, all rooms
// together) for d; change k is made by publisher k%publishers on its
// latest acked message, skipped while it has none.
func (c *changer) run(ctx context.Context, editRate, reactRate float64, d time.Duration) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxChangesInFlight)
	loop := func(rate float64, do func(ctx context.Context, k int64)) {
		defer wg.Done()
		if rate <= 0 {
			return
		}
		start := time.Now()
		for k := int64(0); ; k++ {
			due := start.Add(time.Duration(float64(k) / rate * float64(time.Second)))
			if due.Sub(start) >= d {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(due)):
			}
			sem <- struct{}{}
			wg.Add(1)
			go func() { defer func() { <-sem; wg.Done() }(); do(ctx, k) }()
		}
	}
	wg.Add(2)
	go loop(editRate, c.edit)
	go loop(reactRate, c.react)
	wg.Wait()
}

// target returns publisher k's latest acked message and its token.
func (c *changer) target(k int64) (posted, string, bool) {
	i := int(k % int64(len(c.pubs.last)))
	c.pubs.mu.Lock()
	m := c.pubs.last[i]
	c.pubs.mu.Unlock()
	return m, pick(c.tokens, i), m.room != ""
}

func msgPath(m posted) string {
	return "/api/v1/rooms/" + url.PathEscape(m.room) + "/messages/" + strconv.FormatInt(m.seq, 10)
}

// edit replaces the body with a new stamped one: the subscribers measure
// nothing from it, but it keeps the bodies the same size.
func (c *changer) edit(ctx context.Context, k int64) {
	m, tok, ok := c.target(k)
	if !ok {
		return
	}
	body := map[string]string{"body": string(appendBody(nil, time.Now().UnixNano()))}
	if _, err := c.a.do(ctx, "", http.MethodPatch, msgPath(m), tok, body, nil); err != nil {
		c.errs.add("edit", err.Error())
		return
	}
	c.mu.Lock()
	c.edits[m.room]++
	c.mu.Unlock()
	c.nEdits.Add(1)
}

// react adds emoji k%len to the message, or takes it back when this tool
// added it before, so every request is a change the subscribers see.
func (c *changer) react(ctx context.Context, k int64) {
	m, tok, ok := c.target(k)
	if !ok {
		return
	}
	key := reactKey{m.room, m.seq, reactEmoji[k%int64(len(reactEmoji))]}
	c.mu.Lock()
	if c.busy[key] {
		// A request on the same reaction is still out: the server could
		// take the two in either order, and doing what is already done
		// changes nothing and sends no frame. Skip this one.
		c.mu.Unlock()
		return
	}
	c.busy[key] = true
	on := c.on[key]
	c.mu.Unlock()
	method := http.MethodPut
	if on {
		method = http.MethodDelete
	}
	path := msgPath(m) + "/reactions/" + url.PathEscape(key.emoji)
	_, err := c.a.do(ctx, "", method, path, tok, nil, nil)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.busy, key)
	if err != nil {
		c.errs.add("react", err.Error())
		return
	}
	c.on[key] = !on
	c.reacts[m.room]++
	c.nReacts.Add(1)
}

// expected is how many frames the subscribers should get for per-room
// change counts: each change once per subscriber of its room.
func expectedChanges(c Config, rooms []string, established int, per map[string]int64) int64 {
	acked := make(map[string][]int64, len(per))
	for r, n := range per {
		acked[r] = make([]int64, n)
	}
	return expectedDeliveries(c, rooms, established, acked)
}

// start runs the changes in the background (none on a nil changer); the
// channel is closed when they are done.
func (c *changer) start(ctx context.Context, editRate, reactRate float64, d time.Duration) <-chan struct{} {
	done := make(chan struct{})
	if c == nil {
		close(done)
		return done
	}
	go func() { defer close(done); c.run(ctx, editRate, reactRate, d) }()
	return done
}

// expectedFrames is how many change frames the subscribers should have
// got so far: -1 when that is unknown (a connection failed), 0 without
// changes.
func (c *changer) expectedFrames(cfg Config, rooms []string, established int) int64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, r := expectedChanges(cfg, rooms, established, c.edits), expectedChanges(cfg, rooms, established, c.reacts)
	if e < 0 || r < 0 {
		return -1
	}
	return e + r
}

// summarize adds what was changed and what should have arrived to s, and
// its failures to errs.
func (c *changer) summarize(cfg Config, rooms []string, s *Summary, errs *errorTally) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s.Edits, s.Reactions = c.nEdits.Load(), c.nReacts.Load()
	s.EditsExpected = expectedChanges(cfg, rooms, s.Established, c.edits)
	s.ReactionsExpected = expectedChanges(cfg, rooms, s.Established, c.reacts)
	errs.merge(c.errs.snapshot())
}
