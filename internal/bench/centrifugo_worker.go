package bench

import (
	"context"
	"time"
)

// dialCentrifugo connects c to Centrifugo and subscribes it to its
// channel; resuming (the storm) it recovers from the last publication
// received, as an SDK does. Seqs are per channel and start at 1 (the
// publishers number them), so the tracker's base is 0. It returns the
// socket and its frame handler.
func (w *Worker) dialCentrifugo(ctx context.Context, c *conn, resuming bool) (*wsConn, func([]byte), error) {
	var rec *cfRecover
	if resuming {
		rec = &cfRecover{Epoch: c.cfEpoch, Offset: c.cfOffset}
	}
	nd := w.dialers.dialer(pick(w.job.SrcIPs, c.i))
	ws, sub, rest, err := dialCentrifugo(ctx, nd, pick(w.job.URLs, c.i), w.token(c), c.roomID, rec)
	if err != nil {
		return nil, nil, err
	}
	if resuming && !sub.Recovered {
		w.errs.add("centrifugo_not_recovered", "resubscribed without recovering the missed publications")
	}
	c.cfEpoch = sub.Epoch
	c.cfOffset = max(c.cfOffset, sub.Offset)
	for _, p := range sub.Publications {
		w.cfReceive(c, p.of(c.roomID))
	}
	for _, line := range rest {
		w.handleCentrifugo(c, line)
	}
	h := func(b []byte) { cfLines(b, func(line []byte) { w.handleCentrifugo(c, line) }) }
	return ws, h, nil
}

var cfPong = []byte("{}")

// handleCentrifugo runs on c's reader goroutine for every frame.
func (w *Worker) handleCentrifugo(c *conn, line []byte) {
	switch cfKind(line) {
	case cfPing:
		// Centrifugo drops a client that does not answer its pings.
		if err := c.ws.writeFrame(cfPong); err != nil && !w.stopped.Load() && !c.expectEnd.Load() { // not the storm's own drop
			w.errs.add("pong_write", err.Error())
		}
		w.pongs.Add(1)
	case cfPub:
		p, ok := parseCfPub(line)
		if !ok {
			w.foreign.Add(1)
			return
		}
		w.cfReceive(c, p)
	case cfReply:
		if e := cfReplyError(line); e != "" {
			w.errs.add("centrifugo_error", e)
		}
	case cfBad:
		w.errs.add("centrifugo_frame", "a frame the tool cannot parse")
	}
}

// cfReceive counts a publication, pushed or recovered.
func (w *Worker) cfReceive(c *conn, p cfPublication) {
	if p.RunID != w.job.RunID {
		w.foreign.Add(1)
		return
	}
	if w.from.timed(p.Sent) {
		lat := time.Now().UnixNano() - p.Sent
		w.lat.Record(c.i, lat)
		w.slow.record(p.Sent, lat, p.Channel, p.Seq)
	}
	w.deliv.Add(1)
	c.tracker.receive(p.Seq)
	c.cfOffset = max(c.cfOffset, p.Offset)
}
