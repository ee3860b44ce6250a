package bench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// The Centrifugo target (--target centrifugo) runs the same scenarios
// against a Centrifugo v6 server, so the two are measured by one tool with
// the same reading path: clients connect to /connection/websocket with the
// JSON protocol, authenticate with an HS256 JWT, subscribe to one channel
// per room, and the publishers post through the server HTTP API
// (/api/publish), as an application backend does. In idle and fanout
// Centrifugo stores nothing (no history), so it does less per message than
// OpenChat; in the storm its channels keep a history in memory and clients
// recover from it (by offset and epoch) as OpenChat's resume by after_seq.

// Targets.
const (
	TargetOpenChat   = "openchat"
	TargetCentrifugo = "centrifugo"
)

// centrifugoTokenTTL is how long the connection tokens are valid: longer
// than any run.
const centrifugoTokenTTL = 24 * time.Hour

// Centrifugo's history for the storm's recovery: every channel keeps its
// last CentrifugoHistorySize publications for CentrifugoHistoryTTL, far
// more than a storm's clients miss (at 50 msg/s over 100 channels, a
// client down 30 s misses 15).
const (
	CentrifugoHistorySize = 300 // the server's own cap on one recovery (recovery_max_publication_limit)
	CentrifugoHistoryTTL  = "600s"
)

// CentrifugoOptions is what a Centrifugo config of the tool's runs sets.
type CentrifugoOptions struct {
	Secret, APIKey string
	Port           int
	// Recovery (the storm): channels keep a history and resubscribing
	// clients recover what they missed from it, as OpenChat's resume from
	// the store does; without it (idle, fanout) Centrifugo stores nothing.
	Recovery bool
	// Redis, an address (redis://host:port), puts the broker, history and
	// presence in Redis, so several nodes serve one set of channels, as
	// OpenChat's instances share Redis; empty: the memory engine.
	Redis string
}

// CentrifugoConfig is the v6 configuration file the tool's runs need: JWT
// secret, API key, anyone may subscribe to a channel without a namespace.
// The server answers pings itself (every 25 s, the client must pong).
func CentrifugoConfig(o CentrifugoOptions) ([]byte, error) {
	channel := map[string]any{"allow_subscribe_for_client": true}
	if o.Recovery {
		channel["history_size"] = CentrifugoHistorySize
		channel["history_ttl"] = CentrifugoHistoryTTL
		channel["force_recovery"] = true
	}
	cfg := map[string]any{
		"http_server": map[string]any{"address": "127.0.0.1", "port": o.Port},
		"log":         map[string]any{"level": "warn"},
		"client": map[string]any{
			"token":           map[string]any{"hmac_secret_key": o.Secret},
			"allowed_origins": []string{"*"},
		},
		"http_api": map[string]any{"key": o.APIKey},
		"channel":  map[string]any{"without_namespace": channel},
	}
	if o.Redis != "" {
		cfg["engine"] = map[string]any{"type": "redis", "redis": map[string]any{"address": []string{o.Redis}}}
	}
	return json.MarshalIndent(cfg, "", "  ")
}

// WriteCentrifugoConfig writes CentrifugoConfig to path.
func WriteCentrifugoConfig(path string, o CentrifugoOptions) error {
	b, err := CentrifugoConfig(o)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

var b64 = base64.RawURLEncoding

// hs256Token is a connection JWT for user sub, signed with secret.
func hs256Token(secret, sub string, exp time.Time) string {
	head := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(struct {
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
	}{sub, exp.Unix()})
	msg := head + "." + b64.EncodeToString(claims)
	return msg + "." + hs256Sign(secret, msg)
}

// hs256Sign is the JWS HS256 signature of "header.claims".
func hs256Sign(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return b64.EncodeToString(m.Sum(nil))
}

// centrifugoSetup makes the tokens and channel names; there is nothing to
// create on the server.
func (c Config) centrifugoSetup() (tokens, channels []string) {
	exp := time.Now().Add(centrifugoTokenTTL)
	tokens, channels = make([]string, c.Users), make([]string, c.Rooms)
	for i := range tokens {
		tokens[i] = hs256Token(c.CentrifugoSecret, fmt.Sprintf("%s%04d", c.UserPrefix, i), exp)
	}
	for i := range channels {
		channels[i] = fmt.Sprintf("%s%04d", c.RoomPrefix, i)
	}
	return tokens, channels
}

// cfWSURL is Centrifugo's WebSocket endpoint for an http(s) base URL.
func cfWSURL(base string) string {
	return strings.TrimSuffix(wsURL(base), "/api/v1/ws") + "/connection/websocket"
}

// Kinds of Centrifugo JSON protocol frames the tool tells apart.
const (
	cfPing  = iota // {}: the server's ping, answered with {}
	cfReply        // {"id":N,…}: the answer to a command
	cfPub          // {"push":{"channel":…,"pub":{…}}}: a publication
	cfPush         // another push (join, leave, disconnect…)
	cfBad
)

// cfLines calls f for each JSON object of a message: Centrifugo batches
// several, separated by newlines, into one WebSocket message.
func cfLines(b []byte, f func(line []byte)) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			f(line)
		}
	}
}

// cfKind classifies one frame without decoding it.
func cfKind(line []byte) int {
	switch {
	case bytes.Equal(line, []byte("{}")):
		return cfPing
	case bytes.HasPrefix(line, []byte(`{"id":`)):
		return cfReply
	case bytes.HasPrefix(line, []byte(`{"push":`)):
		if bytes.Contains(line, []byte(`"pub":`)) {
			return cfPub
		}
		return cfPush
	}
	return cfBad
}

// cfPublication is what the tool reads of a publication: the channel and
// the data it published, {"r":run id,"s":seq in the channel,"t":send time}.
type cfPublication struct {
	Channel string
	RunID   string
	Seq     int64
	Sent    int64
	Offset  int64 // the channel's stream position, with history (the storm); 0 without
}

// parseCfPub reads a publication by key, as messageOf does for OpenChat
// frames, with a full decode when that is not clear-cut.
func parseCfPub(line []byte) (cfPublication, bool) {
	var p cfPublication
	var ok [4]bool
	p.Channel, ok[0] = strField(line, `"channel":"`)
	p.RunID, ok[1] = strField(line, `"r":"`)
	p.Seq, ok[2] = intField(line, `"s":`)
	p.Sent, ok[3] = intField(line, `"t":`)
	if ok == [4]bool{true, true, true, true} {
		p.Offset, _ = intField(line, `"offset":`)
		return p, true
	}
	var f struct {
		Push struct {
			Channel string    `json:"channel"`
			Pub     cfPubData `json:"pub"`
		} `json:"push"`
	}
	if err := json.Unmarshal(line, &f); err != nil || f.Push.Channel == "" {
		return p, false
	}
	return f.Push.Pub.of(f.Push.Channel), true
}

// cfPubData is a publication as Centrifugo encodes it, in a push or in a
// subscribe reply's recovered publications.
type cfPubData struct {
	Data struct {
		R string `json:"r"`
		S int64  `json:"s"`
		T int64  `json:"t"`
	} `json:"data"`
	Offset int64 `json:"offset"`
}

func (p cfPubData) of(channel string) cfPublication {
	return cfPublication{channel, p.Data.R, p.Data.S, p.Data.T, p.Offset}
}

// cfSubscribed is what the tool reads of a subscribe reply: the stream
// position to recover from next time, and, when recovering, what was
// missed and whether the server had all of it.
type cfSubscribed struct {
	Epoch        string      `json:"epoch"`
	Offset       int64       `json:"offset"`
	Recovered    bool        `json:"recovered"`
	Publications []cfPubData `json:"publications"`
}

// parseCfSubscribed reads the subscribe reply line.
func parseCfSubscribed(line []byte) (cfSubscribed, error) {
	var r struct {
		Subscribe *cfSubscribed `json:"subscribe"`
	}
	if err := json.Unmarshal(line, &r); err != nil {
		return cfSubscribed{}, fmt.Errorf("centrifugo: subscribe reply: %w", err)
	}
	if r.Subscribe == nil {
		return cfSubscribed{}, errors.New("centrifugo: subscribe reply without a result")
	}
	return *r.Subscribe, nil
}

// cfRecover is where a resubscribe recovers from: the epoch of the
// channel's stream and the last offset received.
type cfRecover struct {
	Epoch  string
	Offset int64
}

// appendCfData appends the data of publication seq of a channel.
func appendCfData(b []byte, runID string, seq, nowNano int64) []byte {
	b = append(b, `{"r":"`...)
	b = append(b, runID...)
	b = append(b, `","s":`...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, `,"t":`...)
	b = strconv.AppendInt(b, nowNano, 10)
	return append(b, '}')
}

// cfReplyError returns the error of a reply, "" if none.
func cfReplyError(line []byte) string {
	var r struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(line, &r) != nil {
		return "undecodable reply"
	}
	if r.Error == nil {
		return ""
	}
	return fmt.Sprintf("%d %s", r.Error.Code, r.Error.Message)
}

// dialCentrifugo connects, authenticates and subscribes to channel,
// recovering from rec when not nil. rest holds the lines that came after
// the subscribe reply in its message: Centrifugo batches the publications
// that follow the reply into it.
func dialCentrifugo(ctx context.Context, nd *net.Dialer, base, token, channel string, rec *cfRecover) (c *wsConn, sub cfSubscribed, rest [][]byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	c, err = dialURL(ctx, nd, cfWSURL(base), nil)
	if err != nil {
		return nil, sub, nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetReadDeadline(time.Now()) })
	defer stop()
	tok, _ := json.Marshal(token)
	req := map[string]any{"channel": channel}
	if rec != nil {
		req["recover"], req["epoch"], req["offset"] = true, rec.Epoch, rec.Offset
	}
	subReq, _ := json.Marshal(map[string]any{"id": 2, "subscribe": req})
	var reply []byte
	for id, cmd := range [][]byte{[]byte(`{"id":1,"connect":{"token":` + string(tok) + `}}`), subReq} {
		if err = c.writeFrame(cmd); err == nil {
			reply, rest, err = c.cfAwait(id + 1)
		}
		if err != nil {
			_ = c.nc.Close()
			return nil, sub, nil, err
		}
	}
	if sub, err = parseCfSubscribed(reply); err != nil {
		_ = c.nc.Close()
		return nil, sub, nil, err
	}
	_ = c.nc.SetReadDeadline(time.Time{})
	return c, sub, rest, nil
}

// cfAwait reads until the reply to command id, answering pings, and
// returns it with the lines that followed it in its message (copies).
func (c *wsConn) cfAwait(id int) (reply []byte, rest [][]byte, err error) {
	prefix := []byte(`{"id":` + strconv.Itoa(id) + `,`)
	for {
		b, err := c.next()
		if err != nil {
			return nil, nil, fmt.Errorf("centrifugo: waiting for reply %d: %w", id, err)
		}
		var done error
		cfLines(b, func(line []byte) {
			switch {
			case reply != nil:
				rest = append(rest, bytes.Clone(line))
			case cfKind(line) == cfPing:
				_ = c.writeFrame([]byte("{}"))
			case bytes.HasPrefix(line, prefix):
				reply = bytes.Clone(line)
				if e := cfReplyError(line); e != "" {
					done = fmt.Errorf("centrifugo: command %d: %s", id, e)
				}
			}
		})
		if reply != nil {
			return reply, rest, done
		}
	}
}
