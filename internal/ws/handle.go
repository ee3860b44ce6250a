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
	var presenceWritten <-chan struct{}
	if err == nil {
		presenceWritten = s.presenceJoin(sb.room, c.user.ID)
	}
	c.mu.Lock()
	kicked := sb.gone
	sb.present = err == nil && !kicked
	c.mu.Unlock()
	if err != nil || kicked {
		if err == nil { // removed while joining presence: undo it here, dropSub did not
			s.presenceLeave(sb.room, c.user.ID)
			err = chat.Errorf(chat.ENOTFOUND, "room not found")
		}
		c.leaveSub(sb)
		c.replyError(err, f.Ref)
		return
	}

	rp, err := s.replay(ctx, f, sb.room, sb.from)
	if err != nil {
		c.leaveSub(sb)
		c.replyError(err, f.Ref)
		return
	}
	c.mu.Lock()
	c.pushLocked(outEntry{frame: encode(subscribedFrame{Type: typeSubscribed, RoomID: f.RoomID, LastSeq: rp.lastSeq,
		LastChange: rp.lastChange, Truncated: rp.truncated})}, pushBounded)
	if len(rp.frames) > 0 {
		c.pushLocked(outEntry{batch: rp.frames}, pushBounded)
		s.metrics.MessagesDelivered(len(rp.frames))
	}
	sb.last, sb.seqs = rp.lastChange, rp.seqs
	c.mu.Unlock()
	c.goLive(sb)
	<-presenceWritten // the frame below lists this user
	if frame, err := s.presenceFrame(ctx, sb.room, s.cfg.PresenceDebounce); err == nil {
		c.deliverEphemeral(sb, frame)
	} else {
		s.log.Warn("presence lookup failed; the next flush sends it", "room", f.RoomID, "err", err)
	}
}

// goLive releases sb's parked items in change order, first reading from
// the store what is missing between the last change sent and the first
// parked one (a compacted read: each changed message once, as it now is),
// and then lets live items through directly.
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
			it := sb.buf[n]
			if it.change <= sb.last {
				continue
			}
			if !it.follows(sb.last) {
				break
			}
			if f := sb.take(it); f != nil {
				out = append(out, f)
				at = oldest(at, it.at)
			}
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
		after, next := sb.last, sb.buf[0]
		c.mu.Unlock()

		msgs, err := s.svc.ChangesAfter(s.ctx, sb.room.id, after, chat.PageMaxLimit)
		if err != nil {
			s.log.Warn("websocket gap fill failed; client must reconnect", "room", sb.room.id, "err", err)
			c.closeWith(statusTryAgainLater, "catch-up failed")
			return
		}
		items := stateItems(msgs, after)
		c.mu.Lock()
		if len(items) == 0 {
			s.log.Warn("websocket gap not in the store; skipped", "room", sb.room.id, "after", after, "next", next.change)
			sb.last = max(sb.last, next.prev) // the store has none of them: never wait for them
		}
		var batch [][]byte
		var gapAt int64
		for _, it := range items {
			if it.change > sb.last {
				if f := sb.take(it); f != nil {
					batch = append(batch, f)
					gapAt = oldest(gapAt, it.at)
				}
			}
		}
		if len(batch) > 0 && c.pushLocked(outEntry{batch: batch, at: gapAt}, pushBounded) {
			s.metrics.MessagesDelivered(len(batch))
		}
		c.mu.Unlock()
	}
}

// take advances sb past it and returns its frame, or nil for a message
// already replayed by seq. c.mu is held.
func (sb *sub) take(it item) []byte {
	sb.last = it.change
	if it.kind == typeMessage && it.seq <= sb.seqs {
		return nil
	}
	return it.frame
}

// sub returns the connection's live subscription to a room, or nil (none,
// or one that a removal ended). Called by the connection's reader.
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

// leaveSub ends a subscription and forgets it. Called by the connection's reader.
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
		c.srv.presenceLeave(sb.room, c.user.ID)
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
	p, err := c.srv.svc.PostJSON(c.srv.ctx, c.user, chat.Post{RoomID: f.RoomID, Body: f.Body, ClientID: f.ClientID})
	if err != nil {
		c.replyError(err, ref)
		return
	}
	c.push(ackFrameRaw(f.ClientID, p.JSON), pushBounded)
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
