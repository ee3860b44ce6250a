package ws

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/open-chat/openchat/internal/chat"
)

// conn is one WebSocket session. While idle it owns no goroutine besides
// the handler's (blocked reading), no timer and no buffer: a writer
// goroutine starts when its queue goes non-empty and exits once drained.
type conn struct {
	srv      *Server
	ws       *websocket.Conn
	user     chat.User
	lastSeen atomic.Int64 // unix ns of the last frame or pong received
	pinging  atomic.Bool

	mu      sync.Mutex
	queue   []outEntry
	writing bool // a writer goroutine runs
	closed  bool // no more output; the socket is closing

	// Owned by the reading goroutine.
	subs  map[string]*sub
	sendB bucket
	typeB bucket
}

// outEntry is one queued frame, or a batch (a catch-up replay) that counts
// once against the queue bound: the replay is bounded by CatchUpMax itself.
type outEntry struct {
	frame []byte
	batch [][]byte
}

// sub is a connection's subscription to a room. last, pending, buf and gone
// are guarded by c.mu; idx by room.mu.
type sub struct {
	c    *conn
	room *room
	idx  int

	last    int64      // seq of the last message queued to the client
	pending bool       // live messages are parked in buf (replay or gap fill running)
	buf     []seqFrame // parked live messages, in seq order
	gone    bool
	left    bool // guarded by room.mu
}

type seqFrame struct {
	seq   int64
	frame []byte
}

func (c *conn) seen() { c.lastSeen.Store(time.Now().UnixNano()) }

func (c *conn) ping() {
	defer c.pinging.Store(false)
	_ = c.ws.Ping(context.Background()) // returns on pong or close; the sweep closes the silent
}

// push queues a frame. bounded entries overflow into a slow-consumer close;
// ephemeral frames (typing, presence) are dropped instead. c.mu is held.
func (c *conn) pushLocked(e outEntry, kind pushKind) bool {
	if c.closed {
		return false
	}
	if len(c.queue) >= c.srv.cfg.SendQueue {
		switch kind {
		case pushEphemeral:
			return false
		case pushBounded:
			c.srv.log.Info("websocket client too slow; disconnecting", "user", c.user.ID, "queued", len(c.queue))
			c.closeLocked(websocket.StatusTryAgainLater, "send queue full")
			return false
		}
	}
	c.queue = append(c.queue, e)
	if !c.writing {
		c.writing = true
		go c.writeLoop()
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

// writeLoop writes everything queued, in order, then exits. Each pass takes
// the whole queue, so frames queued meanwhile go out in the next batch.
func (c *conn) writeLoop() {
	var batch []outEntry
	for {
		c.mu.Lock()
		if c.closed || len(c.queue) == 0 {
			c.writing = false
			c.queue = nil // an idle connection keeps no buffer
			c.mu.Unlock()
			return
		}
		batch, c.queue = c.queue, batch[:0]
		c.mu.Unlock()
		if err := c.writeBatch(batch); err != nil {
			c.srv.log.Debug("websocket write failed", "user", c.user.ID, "err", err)
			c.mu.Lock()
			c.closeLocked(websocket.StatusInternalError, "write failed")
			c.mu.Unlock()
		}
		clear(batch)
	}
}

func (c *conn) writeBatch(batch []outEntry) error {
	ctx := context.Background() // a stuck write ends when the socket is closed
	for _, e := range batch {
		if e.frame != nil {
			if err := c.ws.Write(ctx, websocket.MessageText, e.frame); err != nil {
				return err
			}
		}
		for _, f := range e.batch {
			if err := c.ws.Write(ctx, websocket.MessageText, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// closeLocked stops output and closes the socket with code in the
// background (the handshake may wait for a stuck writer). c.mu is held.
func (c *conn) closeLocked(code websocket.StatusCode, reason string) {
	if c.closed {
		return
	}
	c.closed = true
	c.queue = nil
	go func() { _ = c.ws.Close(code, reason) }()
}

func (c *conn) closeWith(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason)
}

// serve is the reading loop; it returns when the connection ends.
func (c *conn) serve() {
	s := c.srv
	c.push(encode(helloFrame{Type: typeHello, Instance: s.cfg.InstanceID, User: c.user}), pushBounded)
	s.presenceConnect(c.user.ID)
	for {
		typ, rd, err := c.ws.Reader(context.Background())
		if err != nil {
			return
		}
		c.seen()
		buf := s.readBufs.Get().(*bytes.Buffer)
		buf.Reset()
		if _, err := buf.ReadFrom(rd); err != nil {
			return // too big: the library closed with 1009
		}
		if typ != websocket.MessageText {
			c.push(encodeError(badFrame("frames are JSON text messages"), ""), pushBounded)
		} else {
			c.handle(buf.Bytes())
		}
		if buf.Cap() <= int(s.cfg.MaxFrameBytes)+bytes.MinRead {
			s.readBufs.Put(buf)
		}
	}
}

// finish releases everything the session holds once its reading ends.
func (c *conn) finish() {
	c.mu.Lock()
	wasClosed := c.closed
	c.closed = true
	c.queue = nil
	c.mu.Unlock()
	if !wasClosed {
		_ = c.ws.CloseNow()
	}
	for _, sb := range c.subs {
		c.leaveSub(sb)
	}
	c.srv.presenceDisconnect(c.user.ID)
}

// deliver hands a live message of sb's room to the connection, in seq
// order and once: older seqs are dropped, a gap parks the message while the
// missing ones are read from the store. Called by the hub with room.mu held.
func (c *conn) deliver(sb *sub, seq int64, frame []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed || sb.gone || seq <= sb.last && !sb.pending:
		return false
	case sb.pending:
		c.parkLocked(sb, seq, frame)
		return false
	case seq > sb.last+1:
		sb.pending = true
		c.parkLocked(sb, seq, frame)
		go c.goLive(sb)
		return false
	}
	sb.last = seq
	return c.pushLocked(outEntry{frame: frame}, pushBounded)
}

func (c *conn) parkLocked(sb *sub, seq int64, frame []byte) {
	if len(sb.buf) >= c.srv.cfg.SendQueue {
		c.closeLocked(websocket.StatusTryAgainLater, "send queue full")
		return
	}
	sb.buf = append(sb.buf, seqFrame{seq, frame})
}

// deliverEphemeral queues a typing or presence frame to a live subscriber.
func (c *conn) deliverEphemeral(sb *sub, frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !sb.pending && !sb.gone {
		c.pushLocked(outEntry{frame: frame}, pushEphemeral)
	}
}
