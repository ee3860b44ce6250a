package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeServer speaks the part of the OpenChat API and protocol the tool
// uses, with faults to inject, so the tool's accounting can be checked
// against known losses and duplicates. The real server is exercised by the
// integration test in cmd/openchat-bench.
type fakeServer struct {
	dropSeq int64 // the first subscriber of a room never gets this seq
	dupSeq  int64 // the first subscriber of a room gets this seq twice
	// closeSeq: the server closes the first subscriber of a room (1008)
	// instead of sending it this seq.
	closeSeq int64
	// refuseFor: from the first resume (a subscribe with after_seq), every
	// resume for this long is answered with an error frame.
	refuseFor time.Duration
	refusing  time.Time // when the refusals end

	mu    sync.Mutex
	users map[string]bool
	rooms map[string]*fakeRoom // by id
	joins map[string]bool      // "room/user" memberships

	pageReads int // GET …/messages
}

type fakeRoom struct {
	id, name string
	seq      int64
	subs     []*websocket.Conn
	clientID map[int64]string // by seq, for message_updated frames
	frames   map[int64][]byte // message frames by seq, for the replay after after_seq
}

func newFakeServer(t *testing.T, dropSeq, dupSeq int64) (*fakeServer, string) {
	f := &fakeServer{dropSeq: dropSeq, dupSeq: dupSeq, users: map[string]bool{}, rooms: map[string]*fakeRoom{}, joins: map[string]bool{}}
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("POST /api/v1/users", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Username string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.users[in.Username] {
			reply(w, http.StatusConflict, map[string]string{"code": "conflict"})
			return
		}
		f.users[in.Username] = true
		reply(w, http.StatusCreated, map[string]string{"id": in.Username})
	})
	mux.HandleFunc("POST /api/v1/sessions", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Username string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		reply(w, http.StatusCreated, map[string]any{"token": "t-" + in.Username, "user": map[string]string{"id": in.Username}})
	})
	mux.HandleFunc("POST /api/v1/rooms", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Name string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, rm := range f.rooms {
			if rm.name == in.Name {
				reply(w, http.StatusConflict, map[string]string{"code": "conflict"})
				return
			}
		}
		rm := &fakeRoom{id: fmt.Sprintf("room%d", len(f.rooms)), name: in.Name, clientID: map[int64]string{}, frames: map[int64][]byte{}}
		f.rooms[rm.id] = rm
		reply(w, http.StatusCreated, map[string]any{"room": map[string]string{"id": rm.id, "name": rm.name}})
	})
	mux.HandleFunc("GET /api/v1/rooms", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var l []map[string]string
		for _, rm := range f.rooms {
			l = append(l, map[string]string{"id": rm.id, "name": rm.name})
		}
		reply(w, http.StatusOK, map[string]any{"rooms": l})
	})
	mux.HandleFunc("PUT /api/v1/rooms/{room}/members/{user}", func(w http.ResponseWriter, r *http.Request) {
		room, user := r.PathValue("room"), r.PathValue("user")
		f.mu.Lock()
		defer f.mu.Unlock()
		switch {
		case f.rooms[room] == nil:
			reply(w, http.StatusNotFound, map[string]string{"code": "not_found"})
		case r.Header.Get("Authorization") != "Bearer t-"+user:
			reply(w, http.StatusForbidden, map[string]string{"code": "forbidden"})
		default:
			f.joins[room+"/"+user] = true
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("POST /api/v1/rooms/{room}/messages", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		rm := f.rooms[r.PathValue("room")]
		rm.seq++
		reply(w, http.StatusCreated, map[string]any{"message": map[string]int64{"seq": rm.seq}})
	})
	mux.HandleFunc("GET /api/v1/rooms/{room}/messages", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		rm := f.rooms[r.PathValue("room")]
		f.pageReads++
		var msgs []map[string]int64
		for s := max(1, rm.seq-49); s <= rm.seq; s++ {
			msgs = append(msgs, map[string]int64{"seq": s})
		}
		if r.URL.Query().Get("limit") == "1" && len(msgs) > 0 {
			msgs = msgs[len(msgs)-1:]
		}
		reply(w, http.StatusOK, map[string]any{"messages": msgs, "has_more": rm.seq > 50})
	})
	// Edits and reactions reach every subscriber of the room.
	change := func(w http.ResponseWriter, r *http.Request, frame func(rm *fakeRoom, seq int64) any) {
		f.mu.Lock()
		defer f.mu.Unlock()
		rm := f.rooms[r.PathValue("room")]
		var seq int64
		if _, err := fmt.Sscan(r.PathValue("seq"), &seq); err != nil || rm == nil || seq < 1 || seq > rm.seq {
			reply(w, http.StatusNotFound, map[string]string{"code": "not_found"})
			return
		}
		b, _ := json.Marshal(frame(rm, seq))
		for _, s := range rm.subs {
			_ = s.Write(r.Context(), websocket.MessageText, b)
		}
		reply(w, http.StatusOK, map[string]any{})
	}
	mux.HandleFunc("PATCH /api/v1/rooms/{room}/messages/{seq}", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Body string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		change(w, r, func(rm *fakeRoom, seq int64) any {
			return map[string]any{"type": "message_updated", "message": map[string]any{"room_id": rm.id, "seq": seq,
				"body": in.Body, "client_id": rm.clientID[seq]}}
		})
	})
	react := func(w http.ResponseWriter, r *http.Request) {
		change(w, r, func(rm *fakeRoom, seq int64) any {
			return map[string]any{"type": "reaction", "room_id": rm.id, "seq": seq, "emoji": r.PathValue("emoji"),
				"added": r.Method == http.MethodPut}
		})
	}
	mux.HandleFunc("PUT /api/v1/rooms/{room}/messages/{seq}/reactions/{emoji}", react)
	mux.HandleFunc("DELETE /api/v1/rooms/{room}/messages/{seq}/reactions/{emoji}", react)
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "process_resident_memory_bytes 1.048576e+07\nprocess_cpu_seconds_total 1\ngo_goroutines 3\n")
	})
	mux.HandleFunc("GET /api/v1/ws", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer t-") {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		f.serveWS(r.Context(), c)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeServer) serveWS(ctx context.Context, c *websocket.Conn) {
	defer c.CloseNow()
	write := func(v any) { b, _ := json.Marshal(v); _ = c.Write(ctx, websocket.MessageText, b) }
	write(map[string]any{"type": "hello", "instance": "fake", "user": map[string]string{}})
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		var in struct {
			Type, RoomID, Body, ClientID string
			AfterSeq                     *int64
		}
		_ = json.Unmarshal(b, &struct {
			Type     *string `json:"type"`
			RoomID   *string `json:"room_id"`
			Body     *string `json:"body"`
			ClientID *string `json:"client_id"`
			AfterSeq **int64 `json:"after_seq"`
		}{&in.Type, &in.RoomID, &in.Body, &in.ClientID, &in.AfterSeq})
		switch in.Type {
		case "ping":
			write(map[string]string{"type": "pong"})
		case "subscribe":
			f.mu.Lock()
			if f.refuseFor > 0 && in.AfterSeq != nil {
				if f.refusing.IsZero() {
					f.refusing = time.Now().Add(f.refuseFor)
				}
				if time.Now().Before(f.refusing) {
					f.mu.Unlock()
					write(map[string]any{"type": "error", "code": "unavailable", "message": "try again"})
					continue
				}
			}
			rm := f.rooms[in.RoomID]
			rm.subs = append(rm.subs, c)
			// Under the lock, so that no message comes between the
			// replay and the live ones.
			write(map[string]any{"type": "subscribed", "room_id": in.RoomID, "last_seq": max(rm.seq, ptrOr(in.AfterSeq))})
			for seq := ptrOr(in.AfterSeq) + 1; in.AfterSeq != nil && seq <= rm.seq; seq++ {
				_ = c.Write(ctx, websocket.MessageText, rm.frames[seq])
			}
			f.mu.Unlock()
		case "send":
			f.mu.Lock()
			rm := f.rooms[in.RoomID]
			rm.seq++
			rm.clientID[rm.seq] = in.ClientID
			msg := map[string]any{"id": fmt.Sprint(rm.seq), "room_id": rm.id, "seq": rm.seq, "body": in.Body, "client_id": in.ClientID}
			write(map[string]any{"type": "ack", "client_id": in.ClientID, "message": msg})
			frame, _ := json.Marshal(map[string]any{"type": "message", "message": msg})
			rm.frames[rm.seq] = frame
			for i, s := range rm.subs {
				n := 1
				if i == 0 && rm.seq == f.closeSeq {
					_ = s.Close(websocket.StatusPolicyViolation, "idle")
					continue
				}
				if i == 0 && rm.seq == f.dropSeq {
					n = 0
				}
				if i == 0 && rm.seq == f.dupSeq {
					n = 2
				}
				for range n {
					_ = s.Write(ctx, websocket.MessageText, frame)
				}
			}
			f.mu.Unlock()
		}
	}
}

func ptrOr(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
