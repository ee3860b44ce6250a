#!/bin/bash
# How many slow deliveries came during the server's GC cycles: gcslow.sh GCLOG SLOWFILE...
# (scenario.sh GCTRACE=GCLOG and SLOW=SLOWFILE in the same run; docs/performance.md). A delivery
# counts when it was received (send time + latency) between a cycle's start and MARGIN ms (5) after
# its end (gctrace's wall-clock phases: sweep termination, concurrent mark, mark termination).
# Prints the share, then each cycle within the logged deliveries: seconds from the first slow
# delivery's send time, its length and its count.
log=$1; shift
cat "$@" | sort -n | awk -v t0="$(cat "$log.t0")" -v margin="${MARGIN:-5}" -v gclog="$log" '
  BEGIN {
    while ((getline line < gclog) > 0) {
      if (line !~ /^gc [0-9]+ @[0-9.]+s [0-9]+%: [0-9.]+\+[0-9.]+\+[0-9.]+ ms clock/) continue
      split(line, f, " "); split(f[5], ph, "+")
      n++; id[n] = f[2]; from[n] = t0 + substr(f[3], 2, length(f[3]) - 2) * 1e9
      len[n] = (ph[1] + ph[2] + ph[3]) * 1e6; to[n] = from[n] + len[n] + margin * 1e6
    }
  }
  $1 == "#" { next } # "# from NS": the measured phase start, which slow.sh bins from
  first == "" { first = $1 }
  { last = $1; r = $1 + $2; total++
    for (i = 1; i <= n; i++) if (r >= from[i] && r <= to[i]) { in_gc++; hit[i]++; break } }
  END {
    printf "slow: %d; received during a GC cycle (+%g ms): %d (%.0f%%)\n", total, margin, in_gc, total ? 100 * in_gc / total : 0
    for (i = 1; i <= n; i++) if (from[i] >= first - 1e9 && from[i] <= last)
      printf "  gc %s at %.2f s, %.0f ms: %d slow\n", id[i], (from[i] - first) / 1e9, len[i] / 1e6, hit[i]
  }'
