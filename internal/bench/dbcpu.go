package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A database's CPU (--db-pid). Where the server, the database and the tool
// share one machine, throughput is the inverse of their CPU per message
// together, and an old-against-new comparison asks which of them grew.
// PostgreSQL runs a process per connection and a few workers under its
// postmaster, so a database's CPU is that of a process tree: the root's
// own, each live descendant's, and what exited children left in their
// parent's cutime and cstime once reaped.

// procStat is what treeCPU reads from /proc/PID/stat.
type procStat struct {
	ppid   int
	cpu    float64 // utime + stime, seconds
	reaped float64 // cutime + cstime: the waited-for children's, seconds
}

// parseStat reads /proc/PID/stat: fields 4 (ppid) and 14 to 17 (utime,
// stime, cutime, cstime). The command name, in parentheses, may contain
// spaces and parentheses, so fields count from the last ')'.
func parseStat(stat string) (procStat, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("unexpected /proc format")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("unexpected /proc format")
	}
	var n [5]int64
	for k, j := range []int{1, 11, 12, 13, 14} {
		v, err := strconv.ParseInt(f[j], 10, 64)
		if err != nil {
			return procStat{}, fmt.Errorf("unexpected /proc format")
		}
		n[k] = v
	}
	return procStat{ppid: int(n[0]), cpu: float64(n[1]+n[2]) / clockTicks, reaped: float64(n[3]+n[4]) / clockTicks}, nil
}

// treeCPU returns the CPU seconds of process root and all its descendants,
// live and exited.
func treeCPU(root int) (float64, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", root))
	if err != nil {
		return 0, fmt.Errorf("db pid: %w", err)
	}
	top, err := parseStat(string(stat))
	if err != nil {
		return 0, fmt.Errorf("db pid: %w", err)
	}
	paths, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, fmt.Errorf("db pid: %w", err)
	}
	all := map[int]procStat{}
	for _, p := range paths {
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil || pid == root {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil { // exited since the listing: its parent's cutime has it once reaped
			continue
		}
		if st, err := parseStat(string(b)); err == nil {
			all[pid] = st
		}
	}
	return sumTree(root, top, all), nil
}

// sumTree adds up the CPU of root (whose stat is top) and of every
// descendant of root in all.
func sumTree(root int, top procStat, all map[int]procStat) float64 {
	children := map[int][]int{}
	for pid, st := range all {
		children[st.ppid] = append(children[st.ppid], pid)
	}
	total := top.cpu + top.reaped
	for next := children[root]; len(next) > 0; {
		pid := next[len(next)-1]
		next = append(next[:len(next)-1], children[pid]...)
		total += all[pid].cpu + all[pid].reaped
	}
	return total
}
