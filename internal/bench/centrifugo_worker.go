package bench

import (
	"context"
	"time"
)

// openCentrifugo is open for the Centrifugo target: connect, subscribe to
// the connection's channel, and hand the socket to a poller. Seqs are per
// channel and start at 1 (the publishers number them), so the tracker's
// base is 0.
func (w *Worker) openCentrifugo(ctx context.Context, i int) (*conn, error) {
	nd := w.dialers.dialer(pick(w.job.SrcIPs, i))
	room := pick(w.job.Rooms, i)
	ws, err := dialCentrifugo(ctx, nd, pick(w.job.URLs, i), pick(w.job.Tokens, i), room)
	if err != nil {
		return nil, err
	}
	c := &conn{i: i, ws: ws, roomID: room, done: make(chan struct{})}
	end := func(err error) {
		if !w.stopped.Load() {
			c.dropped.Store(true)
			w.countErr(closeReason(err))
		}
		close(c.done)
	}
	h := func(b []byte) { cfLines(b, func(line []byte) { w.handleCentrifugo(c, line) }) }
	if c.kill, err = w.pollers[i%len(w.pollers)].watch(ws, h, end); err != nil {
		_ = ws.nc.Close()
		return nil, err
	}
	return c, nil
}

var cfPong = []byte("{}")

// handleCentrifugo runs on c's reader goroutine for every frame.
func (w *Worker) handleCentrifugo(c *conn, line []byte) {
	switch cfKind(line) {
	case cfPing:
		// Centrifugo drops a client that does not answer its pings.
		if err := c.ws.writeFrame(cfPong); err != nil && !w.stopped.Load() {
			w.countErr("pong_write")
		}
		w.pongs.Add(1)
	case cfPub:
		p, ok := parseCfPub(line)
		if !ok || p.RunID != w.job.RunID {
			w.foreign.Add(1)
			return
		}
		w.lat.Record(c.i, time.Now().UnixNano()-p.Sent)
		w.deliv.Add(1)
		c.tracker.receive(p.Seq)
	case cfReply:
		if e := cfReplyError(line); e != "" {
			w.countErr("centrifugo_error")
		}
	case cfBad:
		w.countErr("centrifugo_frame")
	}
}
