package bench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
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
// (/api/publish), as an application backend does. Centrifugo stores
// nothing here (no history), so it does less per message than OpenChat.

// Targets.
const (
	TargetOpenChat   = "openchat"
	TargetCentrifugo = "centrifugo"
)

// centrifugoTokenTTL is how long the connection tokens are valid: longer
// than any run.
const centrifugoTokenTTL = 24 * time.Hour

// CentrifugoConfig is the v6 configuration file the tool's runs need: JWT
// secret, API key, anyone may subscribe to a channel without a namespace.
// The server answers pings itself (every 25 s, the client must pong).
func CentrifugoConfig(secret, apiKey string, port int) ([]byte, error) {
	cfg := map[string]any{
		"http_server": map[string]any{"address": "127.0.0.1", "port": port},
		"log":         map[string]any{"level": "warn"},
		"client": map[string]any{
			"token":           map[string]any{"hmac_secret_key": secret},
			"allowed_origins": []string{"*"},
		},
		"http_api": map[string]any{"key": apiKey},
		"channel": map[string]any{
			"without_namespace": map[string]any{"allow_subscribe_for_client": true},
		},
	}
	return json.MarshalIndent(cfg, "", "  ")
}

// WriteCentrifugoConfig writes CentrifugoConfig to path.
func WriteCentrifugoConfig(path, secret, apiKey string, port int) error {
	b, err := CentrifugoConfig(secret, apiKey, port)
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
		return p, true
	}
	var f struct {
		Push struct {
			Channel string `json:"channel"`
			Pub     struct {
				Data struct {
					R string `json:"r"`
					S int64  `json:"s"`
					T int64  `json:"t"`
				} `json:"data"`
			} `json:"pub"`
		} `json:"push"`
	}
	if err := json.Unmarshal(line, &f); err != nil || f.Push.Channel == "" {
		return p, false
	}
	d := f.Push.Pub.Data
	return cfPublication{f.Push.Channel, d.R, d.S, d.T}, true
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

// dialCentrifugo connects, authenticates and subscribes to channel.
func dialCentrifugo(ctx context.Context, nd *net.Dialer, base, token, channel string) (*wsConn, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	c, err := dialURL(ctx, nd, cfWSURL(base), nil)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetReadDeadline(time.Now()) })
	defer stop()
	tok, _ := json.Marshal(token)
	ch, _ := json.Marshal(channel)
	for id, cmd := range []string{`{"id":1,"connect":{"token":` + string(tok) + `}}`, `{"id":2,"subscribe":{"channel":` + string(ch) + `}}`} {
		if err := c.writeFrame([]byte(cmd)); err != nil {
			_ = c.nc.Close()
			return nil, err
		}
		if err := c.cfAwait(id + 1); err != nil {
			_ = c.nc.Close()
			return nil, err
		}
	}
	_ = c.nc.SetReadDeadline(time.Time{})
	return c, nil
}

// cfAwait reads until the reply to command id, answering pings.
func (c *wsConn) cfAwait(id int) error {
	prefix := []byte(`{"id":` + strconv.Itoa(id) + `,`)
	for {
		b, err := c.next()
		if err != nil {
			return fmt.Errorf("centrifugo: waiting for reply %d: %w", id, err)
		}
		var done error
		found := false
		cfLines(b, func(line []byte) {
			switch {
			case cfKind(line) == cfPing:
				_ = c.writeFrame([]byte("{}"))
			case bytes.HasPrefix(line, prefix):
				found = true
				if e := cfReplyError(line); e != "" {
					done = fmt.Errorf("centrifugo: command %d: %s", id, e)
				}
			}
		})
		if found {
			return done
		}
	}
}
