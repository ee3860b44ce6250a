package edge

// Connections get the file descriptors the process may open, minus a
// reserve for everything else: the database and Redis pools, SQLite's
// files, mail files, the listeners, the metrics and pprof servers: 256, or
// 1 % of a large limit.
const (
	minFDReserve = 256
	// fallbackMaxConns is the cap where the descriptor limit is unknown.
	fallbackMaxConns = 10000
)

// MaxConns returns the process-wide connection cap: want, or as many as
// the descriptor limit allows when want is 0, never more than that (then
// clamped is true). limit is the descriptor limit read (0 if unknown).
func MaxConns(want int) (n int, limit uint64, clamped bool) {
	limit = fileLimit()
	if limit == 0 {
		if want > 0 {
			return want, 0, false
		}
		return fallbackMaxConns, 0, false
	}
	reserve := max(uint64(minFDReserve), limit/100)
	allowed := int(min(limit/2, 1<<30))
	if limit > 2*reserve {
		allowed = int(min(limit-reserve, 1<<30))
	}
	switch {
	case want <= 0:
		return allowed, limit, false
	case want > allowed:
		return allowed, limit, true
	}
	return want, limit, false
}
