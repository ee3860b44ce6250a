package ws

import (
	"bytes"
	"errors"

	"github.com/gobwas/ws"
)

// Reading. A connection's frames are read and handled on a frame handler
// (handlers.go), never on a goroutine of the connection's own, so the stack
// a post grows is not kept by idle connections. Between frames an idle
// connection on an OS socket waits in the idle poller (poll_linux.go) and
// holds no goroutine at all; elsewhere (TLS, other systems, a poller that
// failed, Config.NoIdlePoller) it keeps one goroutine blocked reading.

// startReading begins c's reading once it is registered.
func (s *Server) startReading(c *conn) {
	c.onReadable = c.readAndPark
	if c.sk.raw != nil && s.idlePoller() != nil {
		c.wait()
		return
	}
	go c.readLoop()
}

// idlePoller returns the server's poller, made at the first connection;
// nil if it is turned off or cannot be made here.
func (s *Server) idlePoller() *idlePoller {
	s.pollOnce.Do(func() {
		if s.cfg.NoIdlePoller {
			return
		}
		p, err := newIdlePoller(func(c *conn) { s.handlers.run(c.onReadable) })
		if err != nil {
			s.log.Info("websocket connections read on a goroutine each", "reason", err)
			return
		}
		s.poller = p
	})
	return s.poller
}

// errReadAgain: the idle poller did not park a connection, because bytes
// may have come while it was being read.
var errReadAgain = errors.New("ws: read again before parking")

// wait has c's next bytes read by a frame handler: at once if the
// handshake left some, else when the poller sees them arrive.
func (c *conn) wait() {
	if len(c.sk.prefix) > 0 || c.park() {
		c.srv.handlers.run(c.onReadable)
	}
}

// readAndPark runs on a frame handler when c's socket may have bytes: it
// reads and handles frames while some are there, then parks c.
func (c *conn) readAndPark() {
	for again := true; again; again = c.park() {
		c.sk.short = false // an event: bytes may have come since the last read
		for c.sk.hasInput() {
			if !c.readFrames() {
				c.srv.ended(c)
				return
			}
		}
	}
}

// park leaves c to the poller. It reports whether c must be read again at
// once instead (bytes may have come since its socket was seen empty). If
// the poller refuses c (closed by Shutdown, or out of memory), c reads on
// a goroutine of its own.
func (c *conn) park() (again bool) {
	err := c.srv.poller.park(c)
	if errors.Is(err, errReadAgain) {
		return true
	}
	if err != nil {
		go c.readLoop()
	}
	return false
}

// readLoop is a connection's own reading goroutine, for sockets the poller
// does not watch: it waits for the next frame's first byte before it
// borrows a handler.
func (c *conn) readLoop() {
	live := make(chan bool, 1)
	read := func() { live <- c.readFrames() }
	for {
		if _, err := c.sk.br.Peek(1); err != nil {
			break
		}
		if c.srv.handlers.run(read); !<-live {
			break
		}
	}
	c.srv.ended(c)
}

// readFrames reads and handles c's frames until no byte is left buffered;
// false when the connection ended. Its first read may wait for the rest of
// a frame still on the way.
func (c *conn) readFrames() bool {
	s := c.srv
	for {
		buf := s.readBufs.Get().(*bytes.Buffer)
		buf.Reset()
		op, err := c.sk.readMessage(buf, s.cfg.MaxFrameBytes,
			func(p []byte) { c.seen(); c.pushControl(ws.OpPong, p) }, c.seen)
		if err != nil {
			if ce := (*closeError)(nil); errors.As(err, &ce) {
				c.mu.Lock()
				c.closed, c.queue = true, nil
				c.mu.Unlock()
				c.sk.noteClose(ce.code, ce.peer)
				c.sk.writeClose(ce.code, ce.reason) // now: finish closes the socket next
				if ce.drain {
					c.sk.drain(ce.skip)
				}
			}
			return false
		}
		c.seen()
		c.busy.Store(true)
		if op != ws.OpText {
			c.push(encodeError(badFrame("frames are JSON text messages"), ""), pushBounded)
		} else {
			c.handle(buf.Bytes())
		}
		c.busy.Store(false)
		c.seen() // silence counts from the end of our own work: a slow store is not a dead peer
		if buf.Cap() <= int(s.cfg.MaxFrameBytes)+bytes.MinRead {
			s.readBufs.Put(buf)
		}
		if c.sk.br.Buffered() == 0 {
			return true
		}
	}
}

// ended releases what c holds once its reading has ended.
func (s *Server) ended(c *conn) {
	defer s.wg.Done()
	c.finish()
	s.mu.Lock()
	delete(s.conns, c)
	if set := s.byUser[c.user.ID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(s.byUser, c.user.ID)
		}
	}
	s.mu.Unlock()
	s.userGone(c.user.ID)
	s.metrics.WSConnections(-1)
	s.metrics.WSClosed(c.sk.closedWith())
}
