package ws

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"github.com/open-chat/openchat/internal/chat"
)

// conn is one WebSocket session. While idle it owns no goroutine (it waits
// in the idle poller; read.go), a small read buffer, a spare two-entry
// queue array, no timer and no write buffer: a writer goroutine starts when
// its queue goes non-empty and exits once drained.
type conn struct {
	srv      *Server
	sk       *sock
	user     chat.User
	session  string       // token hash of the session it signed in with
	lastSeen atomic.Int64 // unix ns of the last frame or pong received
	pingOut  atomic.Int64 // unix ns a writer took the first ping queued since lastSeen
	busy     atomic.Bool  // a frame is being handled: frames behind it wait unread

	mu       sync.Mutex
	queue    []outEntry
	writing  bool // a pool writer or the connection's own writer has it
	inflight int  // entries taken by the writer, not yet written
	closed   bool // no more output; the socket is closing

	// Owned by whoever reads the connection (one frame handler at a time;
	// read.go).
	subs       map[string]*sub
	onReadable func() // readAndPark, made once
	polled     bool   // the socket is in the idle poller's set, as fd
	fd         int32
	pollState  atomic.Int32 // pollReading, pollParked or pollPending (poll_linux.go); the poller moves it too
}

// outEntry is one queued frame, or a batch (a catch-up replay) that counts
// once against the queue bound: the replay is bounded by CatchUpMax itself.
// op is zero for text frames, else a control frame's opcode. at is the
// created_at (unix ns) of the oldest live message the entry carries, for
// the delivery latency; zero for anything else (replies, catch-up replays,
// changes to older messages).
type outEntry struct {
	op    ws.OpCode
	frame []byte
	batch [][]byte
	at    int64
}

// sub is a connection's subscription to a room. last, seqs, pending, buf
// and gone are guarded by c.mu; idx by room.mu.
type sub struct {
	c    *conn
	room *room
	idx  int
	// from is where the room's stream stood when sb joined it: set once
	// by join, before anything else reads it.
	from chat.Head

	last    int64  // the last change queued to the client
	seqs    int64  // message frames up to this seq were replayed by seq (after_seq): not sent again
	pending bool   // live items are parked in buf (replay or gap fill running)
	buf     []item // parked live items, in change order
	gone    bool
	present bool // counted in presence (presenceJoin done, presenceLeave not yet)
	left    bool // guarded by room.mu
}

func (c *conn) seen() { c.lastSeen.Store(time.Now().UnixNano()) }

// ping queues a WebSocket ping; the sweep closes connections that stay
// silent, so nothing waits for the pong.
func (c *conn) ping() { c.pushControl(ws.OpPing, nil) }

// pingTaken notes that a writer took a ping at now, unless one already went
// out since the peer last spoke: the peer's time to answer counts from the
// first. c.mu is held (take), so writers do not race here.
func (c *conn) pingTaken(now int64) {
	if !c.pingPending() {
		c.pingOut.Store(now)
	}
}

// pingPending reports whether a ping went out since the peer last spoke.
func (c *conn) pingPending() bool { return c.pingOut.Load() > c.lastSeen.Load() }

// pingUnanswered reports whether a ping went out at least wait ago and
// nothing arrived since.
func (c *conn) pingUnanswered(now, wait int64) bool {
	return c.pingPending() && now-c.pingOut.Load() >= wait
}

func (c *conn) pushControl(op ws.OpCode, p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pushLocked(outEntry{op: op, frame: p}, pushEphemeral)
}

// push queues a frame. bounded entries overflow into a slow-consumer close;
// ephemeral frames (typing, presence) are dropped instead. c.mu is held.
func (c *conn) pushLocked(e outEntry, kind pushKind) bool { return c.pushToLocked(e, kind, nil) }

// pushToLocked is pushLocked that, given w, leaves the write to the caller
// (see writeNow) by adding c to *w instead of handing it to the pool.
func (c *conn) pushToLocked(e outEntry, kind pushKind, w *[]*conn) bool {
	if c.closed {
		return false
	}
	if len(c.queue)+c.inflight >= c.srv.cfg.SendQueue {
		switch kind {
		case pushEphemeral:
			return false
		case pushBounded:
			c.srv.log.Info("websocket client too slow; disconnecting", "user", c.user.ID, "queued", len(c.queue))
			c.closeLocked(statusTryAgainLater, "send queue full")
			return false
		}
	}
	c.queue = append(c.queue, e)
	if !c.writing {
		c.writing = true
		if w != nil && c.sk.raw != nil {
			*w = append(*w, c)
		} else {
			c.srv.schedule(c)
		}
	}
	return true
}

type pushKind int

const (
	pushBounded   pushKind = iota // over the bound: the client is too slow
	pushEphemeral                 // over the bound: drop the frame
)

func (c *conn) push(frame []byte, kind pushKind) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pushLocked(outEntry{frame: frame}, kind)
}

// closeLocked stops output and sends the close frame with code in the
// background (it may wait for a stuck writer). c.mu is held.
func (c *conn) closeLocked(code ws.StatusCode, reason string) {
	if c.closed {
		return
	}
	c.closed = true
	c.queue = nil
	c.sk.noteClose(code, false)
	go c.sk.writeClose(code, reason)
}

func (c *conn) closeWith(code ws.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason)
}

// finish releases everything the session holds once its reading ends.
func (c *conn) finish() {
	c.mu.Lock()
	c.closed = true
	c.queue = nil
	c.mu.Unlock()
	if c.polled {
		c.srv.poller.forget(c) // before its number can be reused
	}
	c.sk.close()
	for _, sb := range c.subs {
		c.leaveSub(sb)
	}
	c.srv.presenceDisconnect(c.user.ID)
}

// deliver hands a change of sb's room to the connection, in change order
// and once: older changes are dropped, a gap parks the item while the
// missing changes are read from the store. Called by the hub with room.mu
// held; w as in pushToLocked.
func (c *conn) deliver(sb *sub, it item, w *[]*conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed || sb.gone || it.change <= sb.last && !sb.pending:
		return false
	case sb.pending:
		c.parkLocked(sb, it)
		return false
	case !it.follows(sb.last):
		sb.pending = true
		c.parkLocked(sb, it)
		go c.goLive(sb)
		return false
	}
	return c.sendLocked(sb, it, w)
}

// sendLocked queues an item that follows sb's stream, unless it is a
// message already replayed by seq. c.mu is held.
func (c *conn) sendLocked(sb *sub, it item, w *[]*conn) bool {
	f := sb.take(it)
	return f != nil && c.pushToLocked(outEntry{frame: f, at: it.at}, pushBounded, w)
}

func (c *conn) parkLocked(sb *sub, it item) {
	if len(sb.buf) >= c.srv.cfg.SendQueue {
		c.closeLocked(statusTryAgainLater, "send queue full")
		return
	}
	sb.buf = append(sb.buf, it)
}

// deliverEphemeral queues a typing or presence frame to a live subscriber.
func (c *conn) deliverEphemeral(sb *sub, frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !sb.pending && !sb.gone {
		c.pushLocked(outEntry{frame: frame}, pushEphemeral)
	}
}
