package bench

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHS256(t *testing.T) {
	// The example token of RFC 7519's section 3.1 tooling (jwt.io): its
	// signature is well known.
	const msg = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
	if got, want := hs256Sign("your-256-bit-secret", msg), "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"; got != want {
		t.Errorf("hs256Sign = %s, want %s", got, want)
	}
	exp := time.Unix(2000000000, 0)
	tests := []struct{ secret, sub string }{
		{"s3cret", "bench0000"},
		{"another secret with spaces", `quote"and\backslash`},
	}
	for _, tt := range tests {
		t.Run(tt.sub, func(t *testing.T) {
			tok := hs256Token(tt.secret, tt.sub, exp)
			parts := strings.Split(tok, ".")
			if len(parts) != 3 {
				t.Fatalf("token %q: %d parts", tok, len(parts))
			}
			if sig := hs256Sign(tt.secret, parts[0]+"."+parts[1]); sig != parts[2] {
				t.Errorf("signature %s, want %s", parts[2], sig)
			}
			var head struct{ Alg, Typ string }
			var claims struct {
				Sub string `json:"sub"`
				Exp int64  `json:"exp"`
			}
			for i, v := range []any{&head, &claims} {
				b, err := b64.DecodeString(parts[i])
				if err != nil || json.Unmarshal(b, v) != nil {
					t.Fatalf("part %d: %q %v", i, b, err)
				}
			}
			if head.Alg != "HS256" || head.Typ != "JWT" || claims.Sub != tt.sub || claims.Exp != exp.Unix() {
				t.Errorf("header %+v claims %+v", head, claims)
			}
		})
	}
}

// A publication as Centrifugo v6 writes it, with the tool's data, and its
// stream offset when the channel has history (offset > 0).
func cfPubLine(channel string, data string, offset int) string {
	ch, _ := json.Marshal(channel)
	off := ""
	if offset > 0 {
		off = `,"offset":` + strconv.Itoa(offset)
	}
	return `{"push":{"channel":` + string(ch) + `,"pub":{"data":` + data + off + `}}}`
}

func TestCentrifugoFrames(t *testing.T) {
	data := string(appendCfData(nil, "b0011aa22", 7, 1764600000123456789))
	tests := []struct {
		name  string
		msg   string
		kinds []int
		pubs  []cfPublication
	}{
		{"ping", "{}", []int{cfPing}, nil},
		{"connect reply", `{"id":1,"connect":{"client":"c1","version":"6.9.1","ping":25,"pong":true}}`, []int{cfReply}, nil},
		{"publication", cfPubLine("bench-room-0001", data, 0), []int{cfPub},
			[]cfPublication{{"bench-room-0001", "b0011aa22", 7, 1764600000123456789, 0}}},
		{"publication with its offset", cfPubLine("bench-room-0001", data, 41), []int{cfPub},
			[]cfPublication{{"bench-room-0001", "b0011aa22", 7, 1764600000123456789, 41}}},
		{"batch of a reply, a ping and a publication", `{"id":2,"subscribe":{}}` + "\n{}\n" + cfPubLine("c", data, 0), []int{cfReply, cfPing, cfPub},
			[]cfPublication{{"c", "b0011aa22", 7, 1764600000123456789, 0}}},
		{"key text in the channel: full decode", cfPubLine(`x","s":9,"t":1`, data, 3), []int{cfPub},
			[]cfPublication{{`x","s":9,"t":1`, "b0011aa22", 7, 1764600000123456789, 3}}},
		{"other push", `{"push":{"channel":"c","join":{"info":{"user":"u"}}}}`, []int{cfPush}, nil},
		{"not the JSON protocol", `{"type":"hello"}`, []int{cfBad}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var kinds []int
			var pubs []cfPublication
			cfLines([]byte(tt.msg), func(line []byte) {
				k := cfKind(line)
				kinds = append(kinds, k)
				if k == cfPub {
					p, ok := parseCfPub(line)
					if !ok {
						t.Errorf("parseCfPub(%s) failed", line)
					}
					pubs = append(pubs, p)
				}
			})
			if !slices.Equal(kinds, tt.kinds) {
				t.Errorf("kinds %v, want %v", kinds, tt.kinds)
			}
			if len(pubs) != len(tt.pubs) {
				t.Fatalf("publications %+v, want %+v", pubs, tt.pubs)
			}
			for i := range pubs {
				if pubs[i] != tt.pubs[i] {
					t.Errorf("publication %+v, want %+v", pubs[i], tt.pubs[i])
				}
			}
		})
	}
}

func TestCfReplyError(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"id":2,"subscribe":{}}`, ""},
		{`{"result":{}}`, ""},
		{`{"id":2,"error":{"code":103,"message":"permission denied"}}`, "103 permission denied"},
		{`{"error":{"code":102,"message":"unknown channel"}}`, "102 unknown channel"},
		{`not json`, "undecodable reply"},
	}
	for _, tt := range tests {
		if got := cfReplyError([]byte(tt.in)); got != tt.want {
			t.Errorf("cfReplyError(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCfSubscribed(t *testing.T) {
	data := string(appendCfData(nil, "b0011aa22", 7, 1764600000123456789))
	tests := []struct {
		name    string
		line    string
		want    cfSubscribed
		wantErr bool
	}{
		{name: "first subscribe", line: `{"id":2,"subscribe":{"recoverable":true,"epoch":"XyZa","offset":12,"positioned":true}}`,
			want: cfSubscribed{Epoch: "XyZa", Offset: 12}},
		{name: "recovered", line: `{"id":2,"subscribe":{"recoverable":true,"epoch":"XyZa","offset":14,"recovered":true,"was_recovering":true,` +
			`"publications":[{"data":` + data + `,"offset":13},{"data":` + data + `,"offset":14}]}}`,
			want: cfSubscribed{Epoch: "XyZa", Offset: 14, Recovered: true}},
		{name: "not a subscribe reply", line: `{"id":2,"connect":{}}`, wantErr: true},
		{name: "not JSON", line: `{"id":2,`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCfSubscribed([]byte(tt.line))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			var offsets []int64
			for _, p := range got.Publications {
				if p.of("c") != (cfPublication{"c", "b0011aa22", 7, 1764600000123456789, p.Offset}) {
					t.Errorf("publication %+v", p)
				}
				offsets = append(offsets, p.Offset)
			}
			if got.Epoch != tt.want.Epoch || got.Offset != tt.want.Offset || got.Recovered != tt.want.Recovered {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if tt.want.Recovered && !slices.Equal(offsets, []int64{13, 14}) {
				t.Errorf("recovered offsets %v, want [13 14]", offsets)
			}
		})
	}
}
