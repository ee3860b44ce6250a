//go:build cluster

package clustertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Client timing.
const (
	dialTimeout    = 10 * time.Second
	writeTimeout   = 5 * time.Second
	resendAfter    = 5 * time.Second        // an unacknowledged send is repeated (same client_id)
	retryAfterErr  = 500 * time.Millisecond // after an error frame for the pending send
	maxBackoff     = time.Second            // between reconnection attempts
	firstFrameWait = 10 * time.Second       // for hello after the upgrade
)

// room is one chat room of a scenario and what its clients had acknowledged.
type room struct {
	id string

	mu        sync.Mutex
	acked     map[int64]string // seq → client_id of every acknowledged message
	conflicts []string         // one seq acknowledged for two different client_ids
}

func (r *room) ack(seq int64, clientID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, ok := r.acked[seq]; ok && prev != clientID {
		r.conflicts = append(r.conflicts, fmt.Sprintf("seq %d acked as %s and %s", seq, prev, clientID))
		return
	}
	r.acked[seq] = clientID
}

// delivery is one message frame as a client received it.
type delivery struct {
	seq      int64
	change   int64
	kind     string // message, message_updated or message_deleted
	clientID string
	session  int // index into chatter.sessions
}

// sessionInfo is one connection of a client, for the account of a loss.
type sessionInfo struct {
	instance      string
	after, last   int64 // after_seq asked, last_seq answered
	at            time.Time
	subscribedYet bool
}

type pendingSend struct {
	clientID, body string
	sentAt         time.Time // zero: not written on this connection yet
}

// chatter is one WebSocket client: it subscribes to its room, sends a
// message now and then (each with a client_id, repeated until acknowledged,
// across reconnections), and records every message frame. On any error it
// reconnects through nginx and resubscribes with after_seq.
type chatter struct {
	id       int
	c        *cluster
	u        *user
	room     *room
	hc       *http.Client
	interval time.Duration // mean time between two sends

	mu           sync.Mutex
	got          []delivery
	last         int64 // highest seq received
	subscribed   int   // subscribed frames received
	pending      *pendingSend
	nsent        int
	errFrames    []string
	reconnects   int
	dialFailures int
	lastDialErr  string
	truncated    int
	instances    map[string]int // hello.instance → connections
	sessions     []sessionInfo
	stopping     bool
	view         *roomView // the room as frames showed it
	mine         []int64   // seqs of this client's acknowledged messages
	changes      int       // edits, deletions and reactions that succeeded
}

// serverFrame is any frame the server sends. Message is an object in
// message and ack frames and a string in error frames.
type serverFrame struct {
	Type      string          `json:"type"`
	Instance  string          `json:"instance"`
	RoomID    string          `json:"room_id"`
	LastSeq   int64           `json:"last_seq"`
	Truncated bool            `json:"truncated"`
	ClientID  string          `json:"client_id"`
	Message   json.RawMessage `json:"message"`
	Code      string          `json:"code"`
	Ref       string          `json:"ref"`
	// The change stream.
	Change     int64  `json:"change"`
	LastChange int64  `json:"last_change"`
	Seq        int64  `json:"seq"`
	Emoji      string `json:"emoji"`
	UserID     string `json:"user_id"`
	Added      bool   `json:"added"`
}

func (f serverFrame) msg() (message, error) {
	var m message
	err := json.Unmarshal(f.Message, &m)
	return m, err
}

func (ch *chatter) wsURL() string {
	return "wss" + strings.TrimPrefix(ch.c.base, "https") + "/api/v1/ws"
}

// run connects and reconnects until ctx ends. After stop is closed the
// client sends nothing new but keeps repeating its pending send until it is
// acknowledged.
func (ch *chatter) run(ctx context.Context, stop <-chan struct{}) {
	go ch.changer(ctx, stop)
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		dctx, cancel := context.WithTimeout(ctx, dialTimeout)
		conn, _, err := websocket.Dial(dctx, ch.wsURL(), &websocket.DialOptions{
			HTTPClient: ch.hc,
			HTTPHeader: http.Header{"Authorization": {"Bearer " + ch.u.token}},
		})
		cancel()
		if err != nil {
			ch.mu.Lock()
			ch.dialFailures++
			ch.lastDialErr = err.Error()
			ch.mu.Unlock()
			sleep(ctx, backoff/2+rand.N(backoff/2+1))
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = 50 * time.Millisecond
		conn.SetReadLimit(1 << 20)
		err = ch.session(ctx, conn, stop)
		if ctx.Err() != nil {
			conn.Close(websocket.StatusNormalClosure, "test over")
			return
		}
		conn.CloseNow()
		ch.mu.Lock()
		ch.reconnects++
		ch.mu.Unlock()
		_ = err
		sleep(ctx, rand.N(100*time.Millisecond))
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (ch *chatter) write(ctx context.Context, conn *websocket.Conn, v any) error {
	b, _ := json.Marshal(v)
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, b)
}

// session serves one connection until it fails or ctx ends.
func (ch *chatter) session(ctx context.Context, conn *websocket.Conn, stop <-chan struct{}) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	frames := make(chan serverFrame, 64)
	readErr := make(chan error, 1)
	go func() {
		for {
			_, b, err := conn.Read(sctx)
			if err != nil {
				readErr <- err
				return
			}
			var f serverFrame
			if err := json.Unmarshal(b, &f); err != nil {
				readErr <- fmt.Errorf("bad frame %q: %w", b, err)
				return
			}
			select {
			case frames <- f:
			case <-sctx.Done():
				return
			}
		}
	}()

	select {
	case f := <-frames:
		if f.Type != "hello" {
			return fmt.Errorf("first frame %q, want hello", f.Type)
		}
		ch.mu.Lock()
		ch.instances[f.Instance]++
		after := ch.view.lastChange
		ch.sessions = append(ch.sessions, sessionInfo{instance: f.Instance, after: after, at: time.Now()})
		ch.mu.Unlock()
		if err := ch.write(ctx, conn, map[string]any{"type": "subscribe", "room_id": ch.room.id, "after_change": after}); err != nil {
			return err
		}
	case err := <-readErr:
		return err
	case <-time.After(firstFrameWait):
		return errors.New("no hello")
	case <-ctx.Done():
		return nil
	}

	ready := false
	next := time.Now().Add(rand.N(ch.interval))
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			return err
		case f := <-frames:
			if f.Type == "subscribed" {
				ready = true
			}
			ch.handle(f)
		case <-tick.C:
		}
		if !ready {
			continue
		}
		select {
		case <-stop:
			ch.mu.Lock()
			ch.stopping = true
			ch.mu.Unlock()
		default:
		}
		if p := ch.nextSend(next); p != nil {
			if err := ch.write(ctx, conn, map[string]any{"type": "send", "room_id": ch.room.id,
				"body": p.body, "client_id": p.clientID, "ref": p.clientID}); err != nil {
				return err
			}
			next = time.Now().Add(ch.interval/2 + rand.N(ch.interval))
		}
	}
}

// nextSend returns the send to write now, if any: the pending one when it
// was never written on this connection or waited too long, else a new one
// when it is time.
func (ch *chatter) nextSend(next time.Time) *pendingSend {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	now := time.Now()
	if p := ch.pending; p != nil {
		if p.sentAt.IsZero() || now.Sub(p.sentAt) > resendAfter {
			p.sentAt = now
			return p
		}
		return nil
	}
	if ch.stopping || now.Before(next) {
		return nil
	}
	ch.nsent++
	ch.pending = &pendingSend{clientID: fmt.Sprintf("c%d-%d", ch.id, ch.nsent),
		body: fmt.Sprintf("message %d from client %d", ch.nsent, ch.id), sentAt: now}
	return ch.pending
}

func (ch *chatter) handle(f serverFrame) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	switch f.Type {
	case "subscribed":
		ch.subscribed++
		if n := len(ch.sessions); n > 0 {
			ch.sessions[n-1].last, ch.sessions[n-1].subscribedYet = f.LastSeq, true
		}
		if f.Truncated {
			ch.truncated++
		}
		if ch.pending != nil {
			ch.pending.sentAt = time.Time{} // resend on this connection
		}
	case "message", "message_updated", "message_deleted":
		m := message{RoomID: f.RoomID, Seq: f.Seq}
		if f.Type != "message_deleted" {
			var err error
			if m, err = f.msg(); err != nil {
				m.RoomID = ""
			}
		}
		if m.RoomID != ch.room.id {
			ch.errFrames = append(ch.errFrames, fmt.Sprintf("unexpected %s frame %s", f.Type, f.Message))
			return
		}
		ch.got = append(ch.got, delivery{seq: m.Seq, change: f.Change, kind: f.Type, clientID: m.ClientID, session: len(ch.sessions) - 1})
		ch.last = max(ch.last, m.Seq)
		ch.view.apply(f)
	case "reaction":
		ch.view.apply(f)
	case "ack":
		m, err := f.msg()
		if err != nil {
			ch.errFrames = append(ch.errFrames, fmt.Sprintf("bad ack %s", f.Message))
			return
		}
		ch.room.ack(m.Seq, f.ClientID)
		if !slices.Contains(ch.mine, m.Seq) {
			ch.mine = append(ch.mine, m.Seq)
		}
		if ch.pending != nil && ch.pending.clientID == f.ClientID {
			ch.pending = nil
		}
	case "error":
		var text string
		_ = json.Unmarshal(f.Message, &text)
		ch.errFrames = append(ch.errFrames, fmt.Sprintf("%s: %s (ref %s)", f.Code, text, f.Ref))
		if ch.pending != nil && f.Ref == ch.pending.clientID {
			// Retry soon with the same client_id.
			ch.pending.sentAt = time.Now().Add(retryAfterErr - resendAfter)
		}
	}
}

// state is a consistent copy of what the client has seen.
type chatterState struct {
	got                 []delivery
	last                int64
	subscribed          int
	pending             bool
	errFrames           []string
	reconnects, dialErr int
	truncated           int
	instances           map[string]int
	sessions            []sessionInfo
	view                map[int64]pageMessage
	lastChange          int64
	badOrder, changes   int
}

func (ch *chatter) state() chatterState {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	inst := map[string]int{}
	for k, v := range ch.instances {
		inst[k] = v
	}
	return chatterState{got: append([]delivery(nil), ch.got...), last: ch.last, subscribed: ch.subscribed,
		pending: ch.pending != nil, errFrames: append([]string(nil), ch.errFrames...), reconnects: ch.reconnects,
		dialErr: ch.dialFailures, truncated: ch.truncated, instances: inst, sessions: append([]sessionInfo(nil), ch.sessions...),
		view: maps.Clone(ch.view.msgs), lastChange: ch.view.lastChange, badOrder: ch.view.badOrder, changes: ch.changes}
}
