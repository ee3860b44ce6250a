package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

type uploadResp struct {
	Upload chat.Upload `json:"upload"`
}

// send makes a request with a raw body and extra headers.
func (c *client) send(method, path string, body []byte, header map[string]string) response {
	c.t.Helper()
	return c.sendBody(method, path, bytes.NewReader(body), header)
}

// sendBody is send with a body read from r: of unknown length (sent
// chunked) unless r is a bytes.Reader.
func (c *client) sendBody(method, path string, r io.Reader, header map[string]string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	client := http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// upload posts b as the raw body named name and wants status.
func (c *client) upload(status int, name string, b []byte) chat.Upload {
	c.t.Helper()
	r := c.send("POST", "/api/v1/uploads?name="+name, b, map[string]string{"Content-Type": "application/octet-stream"})
	if r.Status != status {
		c.t.Fatalf("upload %s: status %d, want %d: %s", name, r.Status, status, r.Body)
	}
	var u uploadResp
	if status == 201 {
		r.decode(c.t, &u)
	}
	return u.Upload
}

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gpsJPEG is a JPEG whose EXIF carries a GPS latitude and orientation 6.
func gpsJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for x := range 64 {
		img.Set(x, x%32, color.RGBA{200, 10, 10, 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	ifd0 := make([]byte, 2+2*12+4)
	be.PutUint16(ifd0, 2)
	e := ifd0[2:]
	be.PutUint16(e, 0x0112) // orientation
	be.PutUint16(e[2:], 3)
	be.PutUint32(e[4:], 1)
	be.PutUint16(e[8:], 6)
	e = ifd0[14:]
	be.PutUint16(e, 0x8825) // GPS IFD pointer
	be.PutUint16(e[2:], 4)
	be.PutUint32(e[4:], 1)
	be.PutUint32(e[8:], uint32(8+len(ifd0)))
	gps := make([]byte, 2+12+4)
	be.PutUint16(gps, 1)
	be.PutUint16(gps[2:], 0x0001) // GPSLatitudeRef
	be.PutUint16(gps[4:], 2)
	be.PutUint32(gps[6:], 2)
	copy(gps[10:], "N\x00")
	payload := append([]byte("Exif\x00\x00"), append(append(tiff, ifd0...), append(gps, []byte("GPS-SECRET-48.8584N")...)...)...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	be.PutUint16(seg[2:], uint16(len(payload)+2))
	jpg := b.Bytes()
	return append(append(append([]byte{}, jpg[:2]...), append(seg, payload...)...), jpg[2:]...)
}

// TestUploads is the user's path through files: upload, attach, read as
// a member and as an outsider, ranges, ETags, thumbnails, sniffing,
// metadata stripping, limits and detaching by deletion.
func TestUploads(t *testing.T) {
	srv := startServer(t, "--upload-max-bytes", "300000", "--upload-quota-bytes", "1000000", "--ratelimit-uploads", "off")
	ada, bob := signUp(t, srv.URL, "ada"), signUp(t, srv.URL, "bob")

	pic := testPNG(t, 800, 600)
	u := ada.upload(201, "photo.png", pic)
	if u.ContentType != "image/png" || u.Width != 800 || u.Height != 600 || u.Size != int64(len(pic)) ||
		u.URL != "/api/v1/uploads/"+u.ID || u.ThumbURL != u.URL+"/thumb" || u.Name != "photo.png" {
		t.Fatalf("upload = %+v", u)
	}

	// The uploader reads it: inline, sandboxed, with an ETag and ranges.
	r := ada.send("GET", u.URL, nil, nil)
	h := r.Header
	if r.Status != 200 || !bytes.Equal(r.Body, pic) || h.Get("Content-Type") != "image/png" || h.Get("Content-Security-Policy") != "sandbox" ||
		h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Disposition"), `inline; filename="photo.png"`) || h.Get("ETag") == "" {
		t.Fatalf("GET file: %d %v", r.Status, h)
	}
	if r := ada.send("GET", u.URL, nil, map[string]string{"If-None-Match": h.Get("ETag")}); r.Status != 304 {
		t.Fatalf("If-None-Match: %d", r.Status)
	}
	if r := ada.send("GET", u.URL, nil, map[string]string{"Range": "bytes=10-19"}); r.Status != 206 || !bytes.Equal(r.Body, pic[10:20]) ||
		r.Header.Get("Content-Range") != "bytes 10-19/"+strconv.Itoa(len(pic)) {
		t.Fatalf("Range: %d %v", r.Status, r.Header)
	}
	thumb := ada.send("GET", u.ThumbURL, nil, nil)
	cfg, err := png.DecodeConfig(bytes.NewReader(thumb.Body))
	if thumb.Status != 200 || err != nil || cfg.Width != 400 || cfg.Height != 300 {
		t.Fatalf("thumb: %d %v %+v", thumb.Status, err, cfg)
	}

	// Before it is posted, nobody else sees it: the same 404 as a missing id.
	missing := bob.send("GET", "/api/v1/uploads/"+chat.NewID(), nil, nil)
	hidden := bob.send("GET", u.URL, nil, nil)
	if hidden.Status != 404 || missing.Status != 404 || withoutRequestID(hidden.Body) != withoutRequestID(missing.Body) {
		t.Fatalf("hidden %d %s, missing %d %s", hidden.Status, hidden.Body, missing.Status, missing.Body)
	}

	// Posted in a private room: its members see it, others do not.
	var room roomResp
	ada.must(201, "POST", "/api/v1/rooms", map[string]any{"name": "secret", "visibility": "private"}, &room)
	msgs := "/api/v1/rooms/" + room.Room.ID + "/messages"
	bob.must(404, "POST", msgs, map[string]any{"body": "x", "attachments": []string{u.ID}}, nil)
	var m struct{ Message chat.Message }
	ada.must(201, "POST", msgs, map[string]any{"body": "", "attachments": []string{u.ID}}, &m)
	if len(m.Message.Attachments) != 1 || m.Message.Attachments[0].ID != u.ID || m.Message.Attachments[0].ThumbURL != u.ThumbURL {
		t.Fatalf("message = %+v", m.Message)
	}
	if r := bob.send("GET", u.URL, nil, nil); r.Status != 404 {
		t.Fatalf("outsider: %d", r.Status)
	}
	ada.must(204, "PUT", "/api/v1/rooms/"+room.Room.ID+"/members/"+userID(t, bob), nil, nil)
	if r := bob.send("GET", u.URL, nil, nil); r.Status != 200 {
		t.Fatalf("member: %d %s", r.Status, r.Body)
	}
	var page pageResp
	bob.must(200, "GET", msgs, nil, &page)
	if len(page.Messages) == 0 || len(page.Messages[len(page.Messages)-1].Attachments) != 1 {
		t.Fatalf("page = %+v", page)
	}
	// Someone else's upload cannot be attached, even when visible.
	bob.must(422, "POST", msgs, map[string]any{"body": "mine now", "attachments": []string{u.ID}}, nil)
	ada.must(422, "POST", msgs, map[string]any{"body": "too many", "attachments": make([]string, chat.AttachmentsPerMessage+1)}, nil)

	// Deleting the message detaches the file: back to its uploader alone.
	ada.must(204, "DELETE", msgs+"/"+strconv.FormatInt(m.Message.Seq, 10), nil, nil)
	if r := bob.send("GET", u.URL, nil, nil); r.Status != 404 {
		t.Fatalf("after delete: %d", r.Status)
	}
	bob.must(200, "GET", msgs, nil, &page)
	if last := page.Messages[len(page.Messages)-1]; !last.Deleted || len(last.Attachments) != 0 {
		t.Fatalf("tombstone = %+v", last)
	}

	t.Run("sniffed", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "résumé.png") // a lie: it is HTML
		_, _ = fw.Write([]byte("<!DOCTYPE html><html><script>alert(1)</script></html>"))
		_ = mw.Close()
		r := ada.send("POST", "/api/v1/uploads", body.Bytes(), map[string]string{"Content-Type": mw.FormDataContentType()})
		var up uploadResp
		r.decode(t, &up)
		if r.Status != 201 || up.Upload.ContentType != "text/html; charset=utf-8" || up.Upload.ThumbURL != "" || up.Upload.Name != "résumé.png" {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		got := ada.send("GET", up.Upload.URL, nil, nil).Header
		if got.Get("Content-Type") != "application/octet-stream" || got.Get("Content-Security-Policy") != "sandbox" ||
			got.Get("Content-Disposition") != `attachment; filename="r_sum_.png"; filename*=UTF-8''r%C3%A9sum%C3%A9.png` {
			t.Fatalf("headers: %v", got)
		}
		if r := ada.send("GET", up.Upload.URL+"/thumb", nil, nil); r.Status != 404 {
			t.Fatalf("thumb of a non-image: %d", r.Status)
		}
	})

	t.Run("exif stripped", func(t *testing.T) {
		jpg := gpsJPEG(t)
		up := ada.upload(201, "gps.jpg", jpg)
		got := ada.send("GET", up.URL, nil, nil).Body
		if bytes.Contains(got, []byte("GPS-SECRET")) || !bytes.Contains(jpg, []byte("GPS-SECRET")) || up.Size != int64(len(got)) {
			t.Fatal("GPS data served")
		}
		if up.Width != 64 || up.Height != 32 {
			t.Fatalf("size %dx%d", up.Width, up.Height)
		}
		if _, err := jpeg.Decode(bytes.NewReader(got)); err != nil {
			t.Fatalf("stripped JPEG: %v", err)
		}
	})

	t.Run("limits", func(t *testing.T) {
		carl := signUp(t, srv.URL, "carl")
		carl.upload(422, "empty.bin", nil)
		carl.upload(422, "", []byte("x"))
		big := bytes.Repeat([]byte{'x'}, 300001)
		r := carl.send("POST", "/api/v1/uploads?name=big.bin", big, nil)
		if r.Status != 413 || !strings.Contains(string(r.Body), `"too_large"`) || !strings.Contains(string(r.Body), "300000 bytes") {
			t.Fatalf("too big: %d %s", r.Status, r.Body)
		}
		for range 3 {
			carl.upload(201, "part.bin", big[:300000])
		}
		r = carl.send("POST", "/api/v1/uploads?name=more.bin", big[:100001], nil)
		if r.Status != 413 || !strings.Contains(string(r.Body), "of your 1000000 bytes of storage") {
			t.Fatalf("over quota: %d %s", r.Status, r.Body)
		}
		// Without a Content-Length the quota is checked on the bytes read,
		// and a full quota refuses the upload before reading it.
		chunked := func(n int) response { // a MultiReader hides the length: sent chunked
			return carl.sendBody("POST", "/api/v1/uploads?name=chunked.bin", io.MultiReader(bytes.NewReader(big[:n])), nil)
		}
		for _, tc := range []struct {
			n      int
			status int
			used   string
		}{
			{100001, 413, "use 900000 of your 1000000 bytes"},
			{100000, 201, ""},
			{1, 413, "use 1000000 of your 1000000 bytes"},
		} {
			r := chunked(tc.n)
			if r.Status != tc.status || !strings.Contains(string(r.Body), tc.used) {
				t.Fatalf("%d bytes of unknown length: %d %s, want %d naming %q", tc.n, r.Status, r.Body, tc.status, tc.used)
			}
		}
	})
}

func withoutRequestID(b []byte) string {
	s := string(b)
	if i := strings.Index(s, `,"request_id"`); i >= 0 {
		return s[:i]
	}
	return s
}

func userID(t *testing.T, c *client) string {
	t.Helper()
	var me struct{ User chat.User }
	c.must(200, "GET", "/api/v1/me", nil, &me)
	return me.User.ID
}

// TestUploadMemory: an instance holds at most --upload-memory-bytes of
// upload bodies at once, a quarter per user but always one file at the
// limit. An upload that does not fit is refused at once with 503 and
// stored nowhere; once the others finish it fits.
func TestUploadMemory(t *testing.T) {
	srv := startServer(t, "--upload-max-bytes", "300000", "--upload-memory-bytes", "500000", "--ratelimit-uploads", "off")
	ada, bob := signUp(t, srv.URL, "ada"), signUp(t, srv.URL, "bob")

	// Ada's file of 300,000 declared bytes stalls after a third: it holds
	// 300,001 bytes of the 500,000 (her whole share) until it ends. The
	// client has sent the bytes when the write returns, but the server may
	// not have begun (socket buffers hold them): until it holds ada's
	// share, a probe of hers is stored; then a probe is refused. A probe
	// in flight when the slow upload reserves makes that one 503 instead
	// (her share is full): then the slow upload starts again.
	var pw *io.PipeWriter
	var slow chan int
	defer func() { // on failure too: the server must not wait for the rest
		if pw != nil {
			pw.Close()
		}
	}()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if slow == nil {
			pw, slow = slowUpload(t, srv.URL, ada.token, 300000)
			// An error means the server has answered already (a 503 the
			// select below reads).
			_, _ = pw.Write(make([]byte, 100000))
		}
		r := ada.send("POST", "/api/v1/uploads?name=f.bin", make([]byte, 1000), map[string]string{"Content-Type": "application/octet-stream"})
		if r.Status == 503 && strings.Contains(string(r.Body), `"code":"unavailable"`) {
			break
		}
		if r.Status != 201 || time.Now().After(deadline) {
			t.Fatalf("1000 bytes while ada's upload runs: %d %s, want 503", r.Status, r.Body)
		}
		select {
		case got := <-slow:
			if got != 503 {
				t.Fatalf("the slow upload ended before its body: %d", got)
			}
			pw.Close()
			slow = nil
		default:
		}
	}

	for _, tc := range []struct {
		who    *client
		size   int
		status int
	}{
		{bob, 200000, 503}, // 300,001 + 200,001 is over the total
		{bob, 199998, 201}, // 300,001 + 199,999 fits exactly
	} {
		r := tc.who.send("POST", "/api/v1/uploads?name=f.bin", make([]byte, tc.size), map[string]string{"Content-Type": "application/octet-stream"})
		if r.Status != tc.status || (tc.status == 503 && !strings.Contains(string(r.Body), `"code":"unavailable"`)) {
			t.Fatalf("%d bytes while ada's upload runs: %d %s, want %d", tc.size, r.Status, r.Body, tc.status)
		}
	}
	if _, err := pw.Write(make([]byte, 200000)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if got := <-slow; got != 201 {
		t.Fatalf("the slow upload: %d", got)
	}
	bob.upload(201, "f.bin", make([]byte, 200000)) // room again
	ada.upload(201, "f.bin", make([]byte, 1000))
}

// slowUpload starts an upload of size declared bytes whose body is what
// the test writes to pw; slow gets its status (0 if the request failed).
func slowUpload(t *testing.T, base, token string, size int64) (pw *io.PipeWriter, slow chan int) {
	t.Helper()
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", base+"/api/v1/uploads?name=slow.bin", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	slow = make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	return pw, slow
}
