package ws

import "github.com/open-chat/openchat/internal/chat"

// handle acts on one client frame. A bad frame changes nothing.
func (c *conn) handle(b []byte) {
	f, err := decodeFrame(b)
	if err != nil {
		c.replyError(err, f.Ref)
		return
	}
	switch f.Type {
	case typeSubscribe:
		c.subscribe(f)
	case typeUnsubscribe:
		sb := c.sub(f.RoomID)
		if sb == nil {
			c.replyError(chat.Errorf(codeNotSubscribed, "not subscribed to this room"), f.Ref)
			return
		}
		c.leaveSub(sb)
	case typeSend:
		c.send(f)
	case typeTyping:
		c.typing(f)
	case typePing:
		c.push(pongBytes, pushBounded)
	}
}

func (c *conn) replyError(err error, ref string) {
	if chat.ErrorCode(err) == chat.EINTERNAL {
		c.srv.log.Error("websocket request failed", "user", c.user.ID, "err", err)
	}
	c.push(encodeError(err, ref), pushBounded)
}

// subscribe registers the connection in the room first (live messages are
// parked), then replays what the client missed, then releases the parked
// messages: no gap and no duplicate however the two race.
func (c *conn) subscribe(f clientFrame) {
	s, ctx := c.srv, c.srv.ctx
	if old := c.subs[f.RoomID]; old != nil {
		c.leaveSub(old) // a second subscribe restarts the replay (or drops a kicked one)
	}
	if len(c.subs) >= s.cfg.MaxSubscriptions {
		c.replyError(chat.Errorf(codeTooManyRooms, "at most %d rooms per connection", s.cfg.MaxSubscriptions), f.Ref)
		return
	}
	if err := s.svc.CanRead(ctx, c.user, f.RoomID); err != nil {
		c.replyError(err, f.Ref)
		return
	}
	sb, err := s.join(ctx, c, f.RoomID)
	if err != nil {
		c.replyError(err, f.Ref)
		return
	}
	c.subs[f.RoomID] = sb
	// A removal between the check above and the join found no subscription
	// to end: check again now that it would find this one.
	err = s.svc.CanRead(ctx, c.user, f.RoomID)
	if err == nil {
		s.presenceJoin(ctx, sb.room, c.user.ID)
	}
	c.mu.Lock()
	kicked := sb.gone
	sb.present = err == nil && !kicked
	c.mu.Unlock()
	if err != nil || kicked {
		if err == nil { // removed while joining presence: undo it here, dropSub did not
			s.presenceLeave(ctx, sb.room, c.user.ID)
			err = chat.Errorf(chat.ENOTFOUND, "room not found")
		}
		c.leaveSub(sb)
		c.replyError(err, f.Ref)
		return
	}

	var msgs []chat.Message
	var last int64
	var truncated bool
	if f.AfterSeq != nil {
		msgs, last, truncated, err = s.svc.CatchUp(ctx, f.RoomID, *f.AfterSeq)
	} else {
		last, err = s.svc.LastSeq(ctx, f.RoomID)
	}
	if err != nil {
		c.leaveSub(sb)
		c.replyError(err, f.Ref)
		return
	}
	replay := make([][]byte, len(msgs))
	for i := range msgs {
		replay[i] = encodeMessage(&msgs[i])
		last = max(last, msgs[i].Seq) // a truncated replay may reach past last
	}
	c.mu.Lock()
	c.pushLocked(outEntry{frame: encode(subscribedFrame{Type: typeSubscribed, RoomID: f.RoomID, LastSeq: last, Truncated: truncated})}, pushBounded)
	if len(replay) > 0 {
		c.pushLocked(outEntry{batch: replay}, pushBounded)
		s.metrics.MessagesDelivered(len(replay))
	}
	sb.last = last
	if f.AfterSeq != nil {
		sb.last = max(last, *f.AfterSeq) // what the client has is not sent again, even if a cache knows less
	}
	c.mu.Unlock()
	c.goLive(sb)
	if frame, err := s.presenceFrame(ctx, sb.room, s.cfg.PresenceDebounce); err == nil {
		c.deliverEphemeral(sb, frame)
	} else {
		s.log.Warn("presence lookup failed", "room", f.RoomID, "err", err)
	}
}

// goLive releases sb's parked messages in seq order, first reading from the
// store any that are missing between the last delivered and the first
// parked, and then lets live messages through directly.
func (c *conn) goLive(sb *sub) {
	s := c.srv
	for {
		c.mu.Lock()
		if c.closed || sb.gone {
			c.mu.Unlock()
			return
		}
		var out [][]byte
		var at int64
		n := 0
		for ; n < len(sb.buf); n++ {
			e := sb.buf[n]
			if e.seq <= sb.last {
				continue
			}
			if e.seq != sb.last+1 {
				break
			}
			sb.last = e.seq
			out = append(out, e.frame)
			at = oldest(at, e.at)
		}
		sb.buf = sb.buf[n:]
		if len(out) > 0 && c.pushLocked(outEntry{batch: out, at: at}, pushBounded) {
			s.metrics.MessagesDelivered(len(out))
		}
		if len(sb.buf) == 0 {
			sb.pending, sb.buf = false, nil
			c.mu.Unlock()
			return
		}
		after, upto := sb.last, sb.buf[0].seq-1
		c.mu.Unlock()

		msgs, _, err := s.messagesAfter(sb.room.id, after, upto)
		if err != nil {
			s.log.Warn("websocket gap fill failed; client must reconnect", "room", sb.room.id, "err", err)
			c.closeWith(statusTryAgainLater, "catch-up failed")
			return
		}
		frames := make([]seqFrame, 0, len(msgs))
		for i := range msgs {
			if m := &msgs[i]; m.Seq > after && m.Seq <= upto {
				frames = append(frames, seqFrame{m.Seq, encodeMessage(m), m.CreatedAt.UnixNano()})
			}
		}
		c.mu.Lock()
		if len(frames) == 0 {
			s.log.Warn("websocket gap not in the store; skipped", "room", sb.room.id, "after", after, "upto", upto)
			sb.last = upto // the store has none of them: never wait for them
		}
		var batch [][]byte
		var gapAt int64
		for _, e := range frames {
			if e.seq > sb.last {
				sb.last = e.seq
				batch = append(batch, e.frame)
				gapAt = oldest(gapAt, e.at)
			}
		}
		if len(batch) > 0 && c.pushLocked(outEntry{batch: batch, at: gapAt}, pushBounded) {
			s.metrics.MessagesDelivered(len(batch))
		}
		c.mu.Unlock()
	}
}

// sub returns the connection's live subscription to a room, or nil (none,
// or one that a removal ended). Called by the reading goroutine.
func (c *conn) sub(roomID string) *sub {
	sb := c.subs[roomID]
	if sb == nil {
		return nil
	}
	c.mu.Lock()
	gone := sb.gone
	c.mu.Unlock()
	if gone {
		delete(c.subs, roomID)
		return nil
	}
	return sb
}

// leaveSub ends a subscription and forgets it. Called by the reading goroutine.
func (c *conn) leaveSub(sb *sub) {
	delete(c.subs, sb.room.id)
	c.dropSub(sb)
}

// dropSub ends a subscription once: the room forgets the connection and,
// for the user's last local connection in the room, so does presence (if
// the subscription had joined it).
func (c *conn) dropSub(sb *sub) {
	c.mu.Lock()
	gone, present := sb.gone, sb.present
	sb.gone, sb.buf, sb.present = true, nil, false
	c.mu.Unlock()
	if gone {
		return
	}
	c.srv.leave(sb)
	if present {
		c.srv.presenceLeave(c.srv.ctx, sb.room, c.user.ID)
	}
}

// send posts a message. A retried client_id is acknowledged with the first
// message, which the service does not publish again. The service applies
// the user's posts limit, shared with HTTP and the user's other connections.
func (c *conn) send(f clientFrame) {
	ref := f.Ref
	if ref == "" {
		ref = f.ClientID
	}
	m, _, err := c.srv.svc.PostMessage(c.srv.ctx, c.user, f.RoomID, f.Body, f.ClientID)
	if err != nil {
		c.replyError(err, ref)
		return
	}
	c.push(encode(ackFrame{Type: typeAck, ClientID: f.ClientID, Message: &m}), pushBounded)
}

func (c *conn) typing(f clientFrame) {
	if c.sub(f.RoomID) == nil {
		c.replyError(chat.Errorf(codeNotSubscribed, "subscribe to the room before typing in it"), f.Ref)
		return
	}
	if err := c.srv.svc.Typing(c.srv.ctx, c.user, f.RoomID); err != nil {
		c.replyError(err, f.Ref)
	}
}
