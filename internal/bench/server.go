package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of CPU times in /proc/PID/stat; 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// serverSample is the servers' resource use at one instant, summed over
// every instance.
type serverSample struct {
	RSS        int64   // bytes
	CPU        float64 // seconds since start
	Goroutines int64   // -1 when read from /proc
	DBCPU      float64 // the database's (sampler.dbPID), seconds since start
}

// sampler reads server resource use from /proc/PID when pids are given,
// else from each URL's /metrics, and with dbPID the database's CPU.
type sampler struct {
	urls  []string
	pids  []int
	dbPID int // 0: none (treeCPU)
	hc    *http.Client
}

// sample is servers with the database's CPU: a measured phase's bounds.
// (It walks /proc for the database's processes; the samples that need
// only the servers' RSS or CPU call servers.)
func (s sampler) sample(ctx context.Context) (serverSample, error) {
	sum, err := s.servers(ctx)
	if err == nil && s.dbPID > 0 {
		sum.DBCPU, err = treeCPU(s.dbPID)
	}
	return sum, err
}

// servers samples the servers alone (DBCPU stays 0).
func (s sampler) servers(ctx context.Context) (serverSample, error) {
	var sum serverSample
	if len(s.pids) > 0 {
		sum.Goroutines = -1
		for _, pid := range s.pids {
			rss, cpu, err := procStats(pid)
			if err != nil {
				return sum, err
			}
			sum.RSS += rss
			sum.CPU += cpu
		}
		return sum, nil
	}
	for _, u := range s.urls {
		m, err := s.metrics(ctx, u)
		if err != nil {
			return sum, err
		}
		sum.RSS += int64(m["process_resident_memory_bytes"])
		sum.CPU += m["process_cpu_seconds_total"]
		sum.Goroutines += int64(m["go_goroutines"])
	}
	return sum, nil
}

// metrics reads the unlabelled samples of a Prometheus text exposition.
func (s sampler) metrics(ctx context.Context, base string) (map[string]float64, error) {
	var m map[string]float64
	err := s.scrape(ctx, base, func(sc *bufio.Scanner) (err error) {
		m, err = parseMetrics(sc)
		return err
	})
	return m, err
}

// scrape hands base's /metrics to read.
func (s sampler) scrape(ctx context.Context, base string, read func(*bufio.Scanner) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/metrics", nil)
	if err != nil {
		return err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("metrics: %s: HTTP %d", base, resp.StatusCode)
	}
	return read(bufio.NewScanner(resp.Body))
}

func parseMetrics(sc *bufio.Scanner) (map[string]float64, error) {
	m := map[string]float64{}
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok || strings.ContainsRune(name, '{') {
			continue
		}
		if v := strings.Fields(val); len(v) > 0 {
			if f, err := strconv.ParseFloat(v[0], 64); err == nil {
				m[name] = f
			}
		}
	}
	return m, sc.Err()
}

// procStats returns a process's resident memory and CPU seconds.
func procStats(pid int) (rss int64, cpu float64, err error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("server pid: %w", err)
	}
	statm, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("server pid: %w", err)
	}
	return parseProc(string(stat), string(statm), int64(os.Getpagesize()))
}

// parseProc reads utime+stime from /proc/PID/stat (parseStat) and
// resident pages from /proc/PID/statm.
func parseProc(stat, statm string, pageSize int64) (int64, float64, error) {
	st, err := parseStat(stat)
	m := strings.Fields(statm)
	if err != nil || len(m) < 2 {
		return 0, 0, fmt.Errorf("unexpected /proc format")
	}
	pages, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("unexpected /proc format")
	}
	return pages * pageSize, st.cpu, nil
}
