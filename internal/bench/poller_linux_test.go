//go:build linux

package bench

import (
	"bytes"
	"testing"

	"github.com/gobwas/ws"
)

// cutFrame takes whole frames only, of every length encoding.
func TestCutFrame(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 65535, 65536} {
		p := bytes.Repeat([]byte("x"), n)
		b, err := ws.CompileFrame(ws.NewTextFrame(p))
		if err != nil {
			t.Fatal(err)
		}
		for cut := range len(b) { // every proper prefix is incomplete
			if _, _, _, size, err := cutFrame(b[:cut]); size != 0 || err != nil {
				t.Fatalf("len %d, prefix %d: size %d err %v", n, cut, size, err)
			}
		}
		op, fin, got, size, err := cutFrame(append(b, 0x89, 0)) // a ping follows
		if err != nil || op != ws.OpText || !fin || !bytes.Equal(got, p) || size != len(b) {
			t.Fatalf("len %d: op %v fin %v size %d err %v", n, op, fin, size, err)
		}
	}
	masked, _ := ws.CompileFrame(ws.MaskFrame(ws.NewTextFrame([]byte("hi"))))
	if _, _, _, _, err := cutFrame(masked); err == nil {
		t.Fatal("a masked server frame was accepted")
	}
}
