#!/bin/bash
# What each of messages' indexes costs an append, at the database alone (docs/performance.md,
# "where PostgreSQL's append time goes"): pgappend.sh [ROUNDS]. Copies database f1k (left by a
# `scenario.sh BIN pg` run, SCEN=fanout: 1,000 rooms, 50 users, 20,000-30,000 messages) into one database per
# variant, each without some of the indexes, then runs the server's one-statement append
# (postgres/messages.go, appendPlain) with pgbench, 8 clients (the store's committers), 8 s
# per variant, the variants in turn for ROUNDS (default 4) rounds. Prints variant, mean tps
# and each round's.
set -eu
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1)
db() { psql -h 127.0.0.1 -U postgres -q "$@"; }
declare -A drop=(
  [full]=""
  [nosearch]="ALTER TABLE messages DROP COLUMN search"
  [nosearchidx]="DROP INDEX messages_search"
  [noroomcreated]="DROP INDEX messages_room_created"
  [noclientage]="DROP INDEX messages_client_id_age"
  [noauthor]="DROP INDEX messages_author_created"
  [nocreated]="DROP INDEX messages_created_at"
  [nochange]="DROP INDEX messages_change"
  [oldlike]="ALTER TABLE messages DROP COLUMN search; DROP INDEX messages_room_created;
    DROP INDEX messages_client_id_age; DROP INDEX messages_author_created;
    DROP INDEX messages_created_at; DROP INDEX messages_change"
)
variants=(full nosearch nosearchidx noroomcreated noclientage noauthor nocreated nochange oldlike)
for v in "${variants[@]}"; do
  dropdb -h 127.0.0.1 -U postgres --if-exists "pb_$v"
  createdb -h 127.0.0.1 -U postgres -T f1k "pb_$v"
  db "pb_$v" -c "CREATE TABLE bench_rooms AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM rooms;
    CREATE TABLE bench_users AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM users;
    ALTER TABLE bench_rooms ADD PRIMARY KEY (n); ALTER TABLE bench_users ADD PRIMARY KEY (n);
    ${drop[$v]}; CHECKPOINT"
done
script=$(mktemp)
cat >"$script" <<'EOF'
\set r random(1, :rooms)
\set u random(1, :users)
WITH r AS (UPDATE rooms SET last_seq = last_seq + 1, last_change = last_change + 1
  WHERE id = (SELECT id FROM bench_rooms WHERE n = :r) RETURNING last_seq, last_change)
INSERT INTO messages (id, room_id, seq, author_id, body, client_id, mentions, created_at, change)
SELECT gen_random_uuid()::text, (SELECT id FROM bench_rooms WHERE n = :r), r.last_seq,
  (SELECT id FROM bench_users WHERE n = :u), 'bench ' || (random()*1e18)::bigint,
  'b' || gen_random_uuid()::text, '[]', date_trunc('milliseconds', clock_timestamp()), r.last_change FROM r
RETURNING seq, created_at, change;
EOF
rooms=$(db -Atc "SELECT count(*) FROM rooms" f1k); users=$(db -Atc "SELECT count(*) FROM users" f1k)
for round in $(seq "${1:-4}"); do
  for v in "${variants[@]}"; do
    echo "$v $("$pgbench" -h 127.0.0.1 -U postgres -n -f "$script" -c 8 -j 2 -T 8 -D rooms="$rooms" -D users="$users" "pb_$v" 2>&1 | awk '/^tps/ {print $3}')"
  done
done | awk '{s[$1]+=$2; n[$1]++; a[$1]=a[$1]" "int($2)} END {for (v in s) printf "%-14s %5.0f  (%s)\n", v, s[v]/n[v], a[v]}' | sort -k2 -n
rm -f "$script"
for v in "${variants[@]}"; do dropdb -h 127.0.0.1 -U postgres "pb_$v"; done
