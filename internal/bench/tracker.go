package bench

// seqTracker is one subscriber's record of the seqs it received in its room,
// used to count lost, duplicated and out-of-order deliveries. Only the
// connection's reader goroutine touches it until the reader has ended.
type seqTracker struct {
	base     int64    // last_seq when the subscription started
	got      []uint64 // bit (seq-base-1) set once seq was received
	last     int64    // highest seq received so far
	received int64    // distinct seqs
	dup      int64
	ooo      int64
}

// receive records seq and classifies it.
func (t *seqTracker) receive(seq int64) {
	if seq <= t.base {
		t.dup++ // the server replayed something from before the subscription
		return
	}
	i := seq - t.base - 1
	w := int(i / 64)
	if w >= len(t.got) {
		t.got = append(t.got, make([]uint64, w-len(t.got)+1)...)
	}
	bit := uint64(1) << (i % 64)
	if t.got[w]&bit != 0 {
		t.dup++
		return
	}
	t.got[w] |= bit
	t.received++
	if seq < t.last {
		t.ooo++
	}
	t.last = max(t.last, seq)
}

func (t *seqTracker) has(seq int64) bool {
	if seq <= t.base {
		return false
	}
	i := seq - t.base - 1
	w := int(i / 64)
	return w < len(t.got) && t.got[w]&(uint64(1)<<(i%64)) != 0
}

// missing counts the acked seqs of the room this subscriber never received.
// Seqs at or before base were committed before it subscribed and are not
// expected.
func (t *seqTracker) missing(acked []int64) (expected, lost int64) {
	for _, s := range acked {
		if s <= t.base {
			continue
		}
		expected++
		if !t.has(s) {
			lost++
		}
	}
	return expected, lost
}
