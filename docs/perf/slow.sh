#!/bin/bash
# Where a run's slow deliveries are: slow.sh FILE... (openchat-bench --slow-log, and its .worker<N>
# files). Bins the lines by the message's send time, BIN ms (100) from the measured phase's start
# (each file's first line, "# from NS"; in files without it, from the first message logged), and
# prints each bin holding at least MIN (30) slow deliveries as "second: count/max ms", then the
# totals: all, in the first SKIP seconds (2) and after. A stall shows as one bin of hundreds; a
# tail spread thin, as no bin at all. The denominator of a share is the tool's deliveries, from
# its summary line (deliveries/s × duration).
cat "$@" | sort -n | awk -v bin="${BIN:-100}" -v min="${MIN:-30}" -v skip="${SKIP:-2}" '
  $1 == "#" { if ($2 == "from") t0 = $3; next }
  t0 == "" { t0 = $1 }
  { k++; s = ($1 - t0) / 1e6; b = int(s / bin); n[b]++; if ($2 > m[b]) m[b] = $2; if (b > last) last = b
    if (s < skip * 1000) early++; else late++ }
  END {
    for (b = 0; b <= last; b++) if (n[b] >= min) printf "%.1f s: %d/%.0f ms\n", b * bin / 1000, n[b], m[b] / 1e6
    printf "slow: %d; in the first %g s: %d; after: %d\n", k, skip, early, late
  }'
