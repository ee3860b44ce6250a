package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// slowLog writes a line for every delivery (fanout, storm) or ack (ingest)
// slower than over: when the message was sent (Unix ns), its latency (ns),
// its room and seq, after a first line "# from NS", the measured phase's
// start (Start). A percentile cannot tell a stall (every message sent
// within some 100 ms late together) from a tail spread thin over the run;
// these lines, binned by send time (docs/perf/slow.sh), can.
type slowLog struct {
	over int64
	mu   sync.Mutex // the pollers' goroutines record concurrently
	f    *os.File
	w    *bufio.Writer
}

// openSlowLog creates path; "" means no log (a nil *slowLog records nothing).
func openSlowLog(path string, over time.Duration) (*slowLog, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("slow log: %w", err)
	}
	return &slowLog{over: over.Nanoseconds(), f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// start notes the measured phase's start (Unix ns) as a comment line,
// "# from NS", which slow.sh bins from; a sort -n puts it first.
func (l *slowLog) start(from int64) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = fmt.Fprintf(l.w, "# from %d\n", from) // an error is the file's: Close reports it
}

// record notes a message sent at sent (Unix ns) that took lat ns, if that
// is over the threshold.
func (l *slowLog) record(sent, lat int64, room string, seq int64) {
	if l == nil || lat <= l.over {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := strconv.AppendInt(l.w.AvailableBuffer(), sent, 10) // formatted in the writer's own buffer
	b = append(b, ' ')
	b = strconv.AppendInt(b, lat, 10)
	b = append(b, ' ')
	b = append(b, room...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, seq, 10)
	_, _ = l.w.Write(append(b, '\n')) // an error is the file's: Close reports it
}

// Close flushes and closes the file.
func (l *slowLog) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("slow log: %w", err)
	}
	return nil
}
