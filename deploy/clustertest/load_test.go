//go:build cluster

package clustertest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Load shape (issue 7: 200 WebSocket clients in 10 rooms).
const (
	loadClients  = 200
	loadRooms    = 10
	sendInterval = 2 * time.Second // mean per client: ~100 messages/s in all
	settleWait   = 45 * time.Second
)

// load is a scenario's running conversation.
type load struct {
	c        *cluster
	fault    string
	rooms    []*room
	chatters []*chatter
	stop     chan struct{}
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// startLoad creates fresh rooms (so seqs start at 1) and connects the
// clients; it returns once every client is subscribed.
func startLoad(ctx context.Context, t *testing.T, c *cluster, users []*user, fault string) *load {
	t.Helper()
	l := &load{c: c, fault: fault, stop: make(chan struct{})}
	stamp := time.Now().Format("150405.000")
	for i := range loadRooms {
		id := c.createRoom(ctx, t, users[i%len(users)], fmt.Sprintf("%s-%d-%s", fault, i, stamp))
		l.rooms = append(l.rooms, &room{id: id, acked: map[int64]string{}})
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	for i := range loadClients {
		u := users[i%len(users)]
		ch := &chatter{id: i, c: c, u: u, room: l.rooms[i%loadRooms], hc: c.client(u.ip, dialTimeout),
			interval: sendInterval, instances: map[string]int{}, view: newRoomView()}
		l.chatters = append(l.chatters, ch)
		l.wg.Add(1)
		go func() { defer l.wg.Done(); ch.run(lctx, l.stop) }()
	}
	l.waitFor(t, 60*time.Second, "every client subscribed", func(s chatterState, _ int64) bool { return s.subscribed > 0 })
	return l
}

// waitFor polls until cond holds for every client.
func (l *load) waitFor(t *testing.T, limit time.Duration, what string, cond func(chatterState, int64) bool) bool {
	t.Helper()
	return l.waitForRooms(t, limit, what, nil, cond)
}

func (l *load) waitForRooms(t *testing.T, limit time.Duration, what string, last map[*room]int64, cond func(chatterState, int64) bool) bool {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		bad := 0
		var example string
		for _, ch := range l.chatters {
			s := ch.state()
			if !cond(s, last[ch.room]) {
				if bad == 0 {
					example = fmt.Sprintf("client %d (room %s, last seq %d of %d, reconnects %d, dial failures %d)",
						ch.id, ch.room.id, s.last, last[ch.room], s.reconnects, s.dialErr)
				}
				bad++
			}
		}
		if bad == 0 {
			return true
		}
		if time.Now().After(deadline) {
			l.c.fail(t, "%s: %d clients still not after %s, e.g. %s", what, bad, limit, example)
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// report is the outcome of one scenario.
type report struct {
	c                                            *cluster
	acked, delivered, expected, lost, duplicated int
	changes, viewDiffs, badOrder                 int
	diffSamples                                  []string
	outOfOrder, missingUnacked, storedTwice      int
	reconnects, errFrames, truncated             int
	errSamples                                   []string
	lostSamples                                  []string
	errCodes                                     map[string]int // error frames by code
	conflicts                                    []string
	instances                                    map[string]int
}

func (r report) line(fault string) string {
	return fmt.Sprintf("fault=%s acked=%d delivered=%d lost=%d duplicated=%d changes=%d view_differences=%d change_order_violations=%d (clients=%d rooms=%d expected_deliveries=%d out_of_order=%d stored_twice=%d missing_unacked=%d reconnects=%d error_frames=%d truncated=%d connections_per_instance=%v)",
		fault, r.acked, r.delivered, r.lost, r.duplicated, r.changes, r.viewDiffs, r.badOrder, loadClients, loadRooms, r.expected, r.outOfOrder,
		r.storedTwice, r.missingUnacked, r.reconnects, r.errFrames, r.truncated, r.instances)
}

// finish stops new sends, lets pending ones be acknowledged and every client
// catch up, then checks that each client got every message of its room
// exactly once and in seq order.
func (l *load) finish(ctx context.Context, t *testing.T, u *user) report {
	t.Helper()
	close(l.stop)
	defer func() { l.cancel(); l.wg.Wait() }()
	l.waitFor(t, settleWait, "every send acknowledged", func(s chatterState, _ int64) bool { return !s.pending })

	last := map[*room]int64{}
	for _, r := range l.rooms {
		var err error
		for i := 0; i < 30; i++ {
			if last[r], err = l.c.lastSeq(ctx, u, r.id); err == nil {
				break
			}
			time.Sleep(time.Second)
		}
		if err != nil {
			t.Errorf("room %s: %v", r.id, err)
		}
	}
	l.waitForRooms(t, settleWait, "every client caught up", last, func(s chatterState, want int64) bool { return s.last >= want })

	// The change stream: every client's view equals the server's pages.
	server := map[*room]map[int64]pageMessage{}
	lastChange := map[*room]int64{}
	for _, r := range l.rooms {
		var err error
		for i := 0; i < 30; i++ {
			if server[r], lastChange[r], err = l.c.roomState(ctx, u, r.id); err == nil {
				break
			}
			time.Sleep(time.Second)
		}
		if err != nil {
			t.Errorf("room %s: %v", r.id, err)
		}
	}
	l.waitForRooms(t, settleWait, "every client saw the last change", lastChange, func(s chatterState, want int64) bool { return s.lastChange >= want })
	l.cancel()
	l.wg.Wait()

	rep := report{c: l.c, instances: map[string]int{}, errCodes: map[string]int{}}
	for _, r := range l.rooms {
		r.mu.Lock()
		rep.acked += len(r.acked)
		rep.conflicts = append(rep.conflicts, r.conflicts...)
		r.mu.Unlock()
	}
	storedTwice := map[string]bool{}
	for _, ch := range l.chatters {
		s := ch.state()
		rep.reconnects += s.reconnects
		rep.truncated += s.truncated
		rep.errFrames += len(s.errFrames)
		for _, e := range s.errFrames {
			code, _, _ := strings.Cut(e, ":")
			rep.errCodes[code]++
		}
		if len(s.errFrames) > 0 && len(rep.errSamples) < 5 {
			rep.errSamples = append(rep.errSamples, fmt.Sprintf("client %d: %s", ch.id, s.errFrames[0]))
		}
		for k, v := range s.instances {
			rep.instances[k] += v
		}
		rep.changes += s.changes
		rep.badOrder += s.badOrder
		n, ex := viewDiffs(s.view, server[ch.room])
		rep.viewDiffs += n
		for _, e := range ex {
			if len(rep.diffSamples) < 5 {
				rep.diffSamples = append(rep.diffSamples, fmt.Sprintf("client %d room %s: %s", ch.id, ch.room.id, e))
			}
		}
		seen := map[int64]bool{}
		messageAt := map[int64]int64{} // seq → change of its last message frame
		seqOf := map[string]int64{}
		prev := int64(0)
		for _, d := range s.got {
			seen[d.seq] = true
			if d.kind != "message" {
				continue // message_updated and message_deleted repeat seqs by design
			}
			// A message frame for a seq held already is a duplicate only if it
			// carries no newer change: a gap fill or replay sends a message
			// whose change came and went (a reaction taken back) as it now
			// is, a message frame that replaces it (docs/protocol.md).
			if at, ok := messageAt[d.seq]; ok {
				if d.change <= at {
					rep.duplicated++
				}
				messageAt[d.seq] = max(at, d.change)
				continue
			}
			messageAt[d.seq] = d.change
			if d.seq < prev {
				rep.outOfOrder++
			}
			prev = d.seq
			if d.clientID != "" {
				if other, ok := seqOf[d.clientID]; ok && other != d.seq {
					storedTwice[ch.room.id+"/"+d.clientID] = true
				}
				seqOf[d.clientID] = d.seq
			}
		}
		ch.room.mu.Lock()
		for seq := range ch.room.acked {
			rep.expected++
			if seen[seq] {
				rep.delivered++
			} else {
				rep.lost++
				if len(rep.lostSamples) < 8 {
					rep.lostSamples = append(rep.lostSamples, lostSample(ch, s, seq))
				}
			}
		}
		for seq := int64(1); seq <= last[ch.room]; seq++ {
			if _, acked := ch.room.acked[seq]; !acked && !seen[seq] {
				rep.missingUnacked++
			}
		}
		ch.room.mu.Unlock()
	}
	rep.storedTwice = len(storedTwice)
	return rep
}

// check fails the test on any broken guarantee and logs the report line.
// allowedCode is the only error frame code the fault may cause ("": none).
func (r report) check(t *testing.T, fault, allowedCode string) {
	t.Helper()
	line := r.line(fault)
	t.Log(line)
	fmt.Println(line) // the report, also without -v
	if r.acked == 0 {
		r.c.fail(t, "no message was acknowledged")
	}
	if r.lost != 0 || r.duplicated != 0 || r.outOfOrder != 0 || r.missingUnacked != 0 || r.storedTwice != 0 {
		r.c.fail(t, "%s: every acknowledged message must reach every client of its room exactly once, in order: %s", fault, line)
		for _, s := range r.lostSamples {
			r.c.fail(t, "lost: %s", s)
		}
	}
	if r.viewDiffs != 0 || r.badOrder != 0 {
		r.c.fail(t, "%s: every client's view must equal the server's pages, its frames in change order: %s", fault, line)
		for _, s := range r.diffSamples {
			r.c.fail(t, "view: %s", s)
		}
	}
	if r.changes == 0 {
		r.c.fail(t, "%s: no edit, deletion or reaction succeeded", fault)
	}
	if len(r.conflicts) > 0 {
		r.c.fail(t, "one seq acknowledged for two messages: %s", strings.Join(r.conflicts[:min(3, len(r.conflicts))], "; "))
	}
	if r.errFrames > 0 {
		msg := fmt.Sprintf("%d error frames %v, e.g. %s", r.errFrames, r.errCodes, strings.Join(r.errSamples, "; "))
		if len(r.errCodes) == 1 && r.errCodes[allowedCode] > 0 {
			t.Log(msg)
		} else {
			r.c.fail(t, "%s (allowed: %q only)", msg, allowedCode)
		}
	}
}

// lostSample describes where a client's stream skipped seq: the deliveries
// around the hole and the connection that carried the one after it.
func lostSample(ch *chatter, s chatterState, seq int64) string {
	i := 0
	for i < len(s.got) && s.got[i].seq < seq {
		i++
	}
	prev := int64(0)
	if i > 0 {
		prev = s.got[i-1].seq
	}
	if i == len(s.got) {
		return fmt.Sprintf("client %d room %s seq %d: nothing after %d", ch.id, ch.room.id, seq, prev)
	}
	next := s.got[i]
	desc := func(k int) string {
		if k < 0 || k >= len(s.sessions) {
			return "none"
		}
		v := s.sessions[k]
		return fmt.Sprintf("#%d on %s after_seq=%d last_seq=%d subscribed=%v at %s", k, v.instance, v.after, v.last,
			v.subscribedYet, v.at.Format("15:04:05.000"))
	}
	prevSession := -1
	if i > 0 {
		prevSession = s.got[i-1].session
	}
	return fmt.Sprintf("client %d room %s seq %d: got %d (connection %s) then %d (connection %s)",
		ch.id, ch.room.id, seq, prev, desc(prevSession), next.seq, desc(next.session))
}
