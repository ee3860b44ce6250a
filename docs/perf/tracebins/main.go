// Command tracebins reads a Go runtime trace (scenario.sh TRACE=) and says
// what the program did when, in three views (docs/performance.md):
//
//	tracebins bins TRACE MS              per MS-long bin: goroutines' running, runnable-waiting
//	                                     and system-call time (blocked waits such as epoll's
//	                                     included), GC cycles begun, mark and stop-the-world time
//	tracebins goroutines TRACE FROM TO   running time in [FROM, TO) ms by the goroutine's
//	                                     outermost function
//	tracebins stretches TRACE FROM TO MIN  every running or system-call stretch of at least MIN
//	                                     ms that ended in [FROM, TO) ms, with its stack
//
// Times are milliseconds from the trace's first event. It is a module of its
// own so that the server's module does not depend on golang.org/x/exp.
package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/exp/trace"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tracebins:", err)
		os.Exit(2)
	}
}

func run(args []string, w io.Writer) error {
	if len(args) < 3 {
		return errors.New("usage: tracebins bins TRACE MS | goroutines TRACE FROM TO | stretches TRACE FROM TO MIN")
	}
	nums := make([]float64, len(args)-2)
	for i, a := range args[2:] {
		v, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return fmt.Errorf("%q: %w", a, err)
		}
		nums[i] = v
	}
	f, err := os.Open(args[1])
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := trace.NewReader(f)
	if err != nil {
		return err
	}
	switch {
	case args[0] == "bins" && len(nums) == 1 && nums[0] > 0:
		return bins(r, w, nums[0])
	case args[0] == "goroutines" && len(nums) == 2:
		return goroutines(r, w, nums[0], nums[1])
	case args[0] == "stretches" && len(nums) == 3:
		return stretches(r, w, nums[0], nums[1], nums[2])
	}
	return fmt.Errorf("unknown view or arguments: %q", args)
}

// walk calls f with every event and its time in ms from the first.
func walk(r *trace.Reader, f func(ev trace.Event, ms float64)) error {
	var t0 trace.Time
	for {
		ev, err := r.ReadEvent()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if t0 == 0 {
			t0 = ev.Time()
		}
		f(ev, float64(ev.Time()-t0)/1e6)
	}
}

// goTransition is a goroutine's state change: from, to, and ok false for
// any other event.
func goTransition(ev trace.Event) (id trace.GoID, from, to trace.GoState, st trace.StateTransition, ok bool) {
	if ev.Kind() != trace.EventStateTransition {
		return 0, 0, 0, st, false
	}
	st = ev.StateTransition()
	if st.Resource.Kind != trace.ResourceGoroutine {
		return 0, 0, 0, st, false
	}
	from, to = st.Goroutine()
	return st.Resource.Goroutine(), from, to, st, true
}

type bin struct{ run, wait, maxWait, sys, mark, stw float64 } // ms

func bins(r *trace.Reader, w io.Writer, width float64) error {
	var out []bin
	gcs := map[int]int{}
	at := func(ms float64) *bin {
		i := int(ms / width)
		for len(out) <= i {
			out = append(out, bin{})
		}
		return &out[i]
	}
	since := map[trace.GoID]float64{}
	var markFrom, stwFrom float64 = -1, -1
	err := walk(r, func(ev trace.Event, ms float64) {
		switch ev.Kind() {
		case trace.EventRangeBegin, trace.EventRangeEnd:
			name, begin := ev.Range().Name, ev.Kind() == trace.EventRangeBegin
			switch {
			case name == "GC concurrent mark phase" && begin:
				markFrom = ms
				gcs[int(ms/width)]++
			case name == "GC concurrent mark phase" && markFrom >= 0:
				at(markFrom).mark += ms - markFrom
			case strings.HasPrefix(name, "stop-the-world") && begin:
				stwFrom = ms
			case strings.HasPrefix(name, "stop-the-world") && stwFrom >= 0:
				at(stwFrom).stw += ms - stwFrom
			}
			return
		}
		id, from, _, _, ok := goTransition(ev)
		if !ok {
			return
		}
		if s, seen := since[id]; seen {
			b, d := at(s), ms-s
			switch from {
			case trace.GoRunning:
				b.run += d
			case trace.GoRunnable:
				b.wait += d
				b.maxWait = max(b.maxWait, d)
			case trace.GoSyscall:
				b.sys += d
			}
		}
		since[id] = ms
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "from_ms running_ms runnable_ms max_runnable_ms syscall_ms gc_cycles mark_ms stw_ms")
	for i, b := range out {
		fmt.Fprintf(w, "%7.0f %8.1f %8.1f %7.2f %8.1f %d %6.1f %5.2f\n", float64(i)*width, b.run, b.wait, b.maxWait, b.sys, gcs[i], b.mark, b.stw)
	}
	return nil
}

// outermost is the outermost function of a stack other than goexit, or "".
func outermost(s trace.Stack) string {
	name := ""
	for fr := range s.Frames() {
		if fr.Func != "runtime.goexit" {
			name = fr.Func
		}
	}
	return name
}

func goroutines(r *trace.Reader, w io.Writer, from, to float64) error {
	names := map[trace.GoID]string{}
	since := map[trace.GoID]float64{}
	type total struct {
		ms   float64
		runs int
	}
	byName := map[string]*total{}
	err := walk(r, func(ev trace.Event, ms float64) {
		id, f, t, st, ok := goTransition(ev)
		if !ok {
			return
		}
		if names[id] == "" {
			names[id] = cmp.Or(outermost(st.Stack), outermost(ev.Stack()))
		}
		if s, seen := since[id]; seen && f == trace.GoRunning && ms >= from && ms < to {
			name := cmp.Or(names[id], "?")
			if byName[name] == nil {
				byName[name] = &total{}
			}
			byName[name].ms += ms - s
			byName[name].runs++
		}
		if t == trace.GoRunning {
			since[id] = ms
		}
	})
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(byName))
	for k := range byName {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Compare(byName[b].ms, byName[a].ms) })
	for _, k := range keys {
		fmt.Fprintf(w, "%8.2f ms %7d runs  %s\n", byName[k].ms, byName[k].runs, k)
	}
	return nil
}

func stretches(r *trace.Reader, w io.Writer, from, to, least float64) error {
	running := map[trace.GoID]float64{}
	inSyscall := map[trace.GoID]float64{}
	return walk(r, func(ev trace.Event, ms float64) {
		id, f, t, _, ok := goTransition(ev)
		if !ok {
			return
		}
		began, what := running, "ran"
		if f == trace.GoSyscall {
			began, what = inSyscall, "syscall"
		}
		if s, seen := began[id]; seen && (f == trace.GoRunning || f == trace.GoSyscall) && ms-s >= least && ms >= from && ms < to {
			var stack []string
			for fr := range ev.Stack().Frames() {
				if len(stack) == 8 {
					break
				}
				stack = append(stack, fr.Func)
			}
			fmt.Fprintf(w, "%9.2f g%d %s %.2f ms, then %v: %s\n", s, id, what, ms-s, t, strings.Join(stack, " < "))
		}
		switch t {
		case trace.GoRunning:
			running[id] = ms
		case trace.GoSyscall:
			inSyscall[id] = ms
		}
	})
}
