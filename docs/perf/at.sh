#!/bin/bash
# at.sh COMMIT [RUNS]: build COMMIT's server as ./openchat-<short hash> (once) and run scenario.sh
# with it RUNS times (2), printing p50, p99 and server CPU of each run: a bisection of a
# regression across main's history (docs/performance.md, "the search column is half of
# PostgreSQL's many-rooms tail"). Passes SCEN, PGPORT, DATA_PARENT and PGSQL on to scenario.sh; STORE (pg) picks the
# engine. Run it where scenario.sh runs (openchat-bench in the working directory).
set -e
here=$(dirname "$(readlink -f "$0")")
repo=$(git -C "$here" rev-parse --show-toplevel)
c=$(git -C "$repo" rev-parse --short "$1")
n=${2:-2}
if [ ! -x "./openchat-$c" ]; then
  wt=$(mktemp -d)
  trap 'git -C "$repo" worktree remove --force "$wt"' EXIT # also when the build fails
  git -C "$repo" worktree add -q --detach "$wt" "$c"
  (cd "$wt" && go build -o "$OLDPWD/openchat-$c" ./cmd/openchat)
fi
for _ in $(seq "$n"); do
  "$here/scenario.sh" "./openchat-$c" "${STORE:-pg}" | grep -o '^openchat-[0-9a-f]*\| p50=[^ ]*\| p99=[^ ]*\| server_cpu=[^ ]*' | tr -d '\n'
  echo
done
