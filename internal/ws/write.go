package ws

import (
	"errors"
	"os"
	"time"

	"github.com/gobwas/ws"
)

// Output is written by a small pool of goroutines, not one per connection:
// a fan-out to 10,000 connections would otherwise start 10,000 goroutines
// per message, each growing a fresh stack for the write system call. A
// pool write gets writeSlice; a connection whose socket cannot take its
// output that fast (a slow reader, a full send buffer) finishes on a
// goroutine of its own, so it never holds up the others. TLS connections,
// where a timed-out write breaks the stream, always get their own.
const (
	// writeSlice is how long a pool writer waits on one socket.
	writeSlice = 20 * time.Millisecond
	// readyQueue bounds connections waiting for a pool writer; past it a
	// connection gets its own writer.
	readyQueue = 1 << 16
	// spareQueueCap bounds the queue array an idle connection keeps
	// (spareQueue): 2 entries, 128 bytes.
	spareQueueCap = 2
)

// startWriters runs the pool until the server's context ends.
func (s *Server) startWriters() {
	for range s.cfg.Writers {
		go func() {
			for {
				select {
				case c := <-s.ready:
					c.poolWrite()
				case <-s.ctx.Done():
					return
				}
			}
		}()
	}
}

// schedule hands a connection with fresh output to a writer. c.writing
// was just set; c.mu is held.
func (s *Server) schedule(c *conn) {
	if c.sk.raw != nil {
		select {
		case s.ready <- c:
			return
		default:
		}
	}
	go c.ownWrite(nil, 0)
}

// take returns the queued output, or nil (and gives up c.writing) if there
// is none or the connection is closed.
func (c *conn) take(batch []outEntry) []outEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inflight = 0 // the previous batch, if any, is written
	if c.closed || len(c.queue) == 0 {
		c.writing = false
		c.queue = c.spareQueue(batch)
		return nil
	}
	batch, c.queue = c.queue, batch[:0]
	c.inflight = len(batch) // still counts against SendQueue
	for _, e := range batch {
		if e.op == ws.OpPing {
			c.pingTaken(time.Now().UnixNano())
			break
		}
	}
	return batch
}

// spareQueue is the empty queue an idle connection keeps: a small array,
// the queue's own or that of the batch just written (cleared), so that the
// next frame queues without an allocation (a small room's frames mostly
// come one at a time); a burst's bigger array is let go. c.mu is held.
func (c *conn) spareQueue(batch []outEntry) []outEntry {
	switch {
	case c.closed:
		return nil
	case cap(c.queue) > 0 && cap(c.queue) <= spareQueueCap:
		return c.queue[:0]
	case cap(batch) <= spareQueueCap:
		return batch[:0]
	}
	return nil
}

// poolWrite writes one batch within writeSlice. More output queued
// meanwhile goes to the back of the pool's line, for fairness. A write cut
// short moves the connection to its own writer, which inherits the write
// lock and the remainder: nothing may come between the two halves.
func (c *conn) poolWrite() {
	c.writeBatch(func(b []byte) (int, error) { return c.sk.writeLocked(b, writeSlice, true) })
}

// writeNow is poolWrite on the goroutine that queued the output (a
// publisher fanning a message out to a small room), with one non-blocking
// write instead of writeSlice: a socket that cannot take it all at once
// goes to its own writer, so the caller never waits for a client. It saves
// the wake-up of a pool writer, which on a busy machine waits for a CPU.
func (c *conn) writeNow() { c.writeBatch(c.sk.writeNowLocked) }

func (c *conn) writeBatch(write func([]byte) (int, error)) {
	batch := c.take(nil)
	if batch == nil {
		return
	}
	bp := c.srv.writeBufs.Get().(*[]byte)
	b, at := appendBatch((*bp)[:0], batch)
	c.sk.wmu.Lock()
	n, err := write(b)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		go c.ownWrite(append([]byte(nil), b[n:]...), at) // unlocks wmu
	case err != nil:
		c.sk.wmu.Unlock()
		c.writeFailed(err)
	default:
		c.sk.wmu.Unlock()
		c.srv.observeDelivery(at)
		clear(batch)
		c.mu.Lock()
		c.inflight = 0
		if c.closed || len(c.queue) == 0 {
			c.writing, c.queue = false, c.spareQueue(batch)
		} else {
			c.srv.schedule(c)
		}
		c.mu.Unlock()
	}
	c.srv.putWriteBuf(bp, b)
}

// ownWrite is a connection's own writer. Called with a pool write's
// remainder (and its oldest message's time), it holds c.sk.wmu and
// finishes that frame first, even when closing. Then it writes everything
// queued and exits once the queue is empty.
func (c *conn) ownWrite(rest []byte, restAt int64) {
	if rest != nil {
		_, err := c.sk.writeLocked(rest, c.srv.cfg.WriteTimeout, false)
		c.sk.wmu.Unlock()
		if err != nil {
			c.writeFailed(err)
			return
		}
		c.srv.observeDelivery(restAt)
	}
	bp := c.srv.writeBufs.Get().(*[]byte)
	defer func() { c.srv.putWriteBuf(bp, *bp) }()
	var batch []outEntry
	for {
		if batch = c.take(batch); batch == nil {
			return
		}
		b, at := appendBatch((*bp)[:0], batch)
		c.sk.wmu.Lock()
		_, err := c.sk.writeLocked(b, c.srv.cfg.WriteTimeout, true)
		c.sk.wmu.Unlock()
		*bp = b[:0]
		clear(batch)
		if err != nil {
			c.writeFailed(err)
			return
		}
		c.srv.observeDelivery(at)
	}
}

// writeFailed drops a connection whose write failed or timed out. The
// stream may end inside a frame, so no close frame can follow: the socket
// is shut down, which also ends its reading. A batch refused because the
// close was decided (errClosing) wrote nothing: the stream is whole, and
// writeClose, waiting for the write lock, sends its close frame and ends
// the connection. Shutting the socket then would cut that frame off, and
// the client would see the connection drop (1006) instead of the close.
func (c *conn) writeFailed(err error) {
	c.mu.Lock()
	c.writing, c.closed, c.queue = false, true, nil
	c.mu.Unlock()
	if errors.Is(err, errClosing) {
		return
	}
	c.srv.log.Debug("websocket write failed", "user", c.user.ID, "err", err)
	c.sk.closeSent.Store(true)
	c.sk.kill()
}

// appendBatch frames every entry of the batch onto b and returns the
// created_at of the oldest live message among them (0: none).
func appendBatch(b []byte, batch []outEntry) ([]byte, int64) {
	var at int64
	for _, e := range batch {
		at = oldest(at, e.at)
		switch {
		case e.op != 0:
			b = appendFrame(b, e.op, e.frame)
		case e.frame != nil:
			b = appendFrame(b, ws.OpText, e.frame)
		}
		for _, f := range e.batch {
			b = appendFrame(b, ws.OpText, f)
		}
	}
	return b, at
}

// oldest returns the earlier of two message times, ignoring zeros.
func oldest(a, b int64) int64 {
	if a == 0 || b != 0 && b < a {
		return b
	}
	return a
}

// observeDelivery records the delivery latency of a written batch whose
// oldest live message was created at at (unix ns; 0: it carried none):
// one observation per socket write, not per message, so a fan-out costs
// no more than it did. It is an upper bound for the batch's other
// messages; created_at has millisecond precision and comes from the clock
// of the instance (SQLite) or database (PostgreSQL) that committed it.
func (s *Server) observeDelivery(at int64) {
	if at != 0 {
		s.metrics.DeliveryLatency(time.Duration(max(0, time.Now().UnixNano()-at)))
	}
}

// putWriteBuf returns a write buffer to the pool unless a catch-up replay
// made it outsized.
func (s *Server) putWriteBuf(bp *[]byte, b []byte) {
	if cap(b) <= maxPooledWriteBuf {
		*bp = b[:0]
		s.writeBufs.Put(bp)
	}
}
