#!/usr/bin/env bash
# local-cluster.sh: the production topology of deploy/compose.yaml on this
# machine, without Docker, all on loopback: nginx terminating TLS with a
# self-signed certificate in front of N OpenChat instances, on a private
# PostgreSQL, a private Redis and mailpit. Private servers (not the machine's
# shared ones) so the fault tests can stop and restart them.
#
#   deploy/local-cluster.sh up        start everything (idempotent)
#   deploy/local-cluster.sh status    each component, its pid, port and health
#   deploy/local-cluster.sh down      stop everything and delete the state dir
#   deploy/local-cluster.sh env       print the state file (KEY=VALUE lines)
#   deploy/local-cluster.sh stop  C   SIGTERM and wait; C is 1..N, redis, postgres, nginx or mailpit
#   deploy/local-cluster.sh kill  C   SIGKILL (for a crash)
#   deploy/local-cluster.sh start C   start it again and wait until it is ready
#   deploy/local-cluster.sh restart C stop, then start
#
# Settings (environment, defaults in brackets): OPENCHAT_CLUSTER_DIR
# [/tmp/openchat-cluster], OPENCHAT_BIN [<repo>/bin/openchat],
# OPENCHAT_CLUSTER_NODES [3], OPENCHAT_CLUSTER_HTTP_PORT [8080],
# OPENCHAT_CLUSTER_HTTPS_PORT [8443], OPENCHAT_CLUSTER_NODE_PORT [18080: node
# N listens on NODE_PORT+N], OPENCHAT_CLUSTER_METRICS_PORT [19080: node N
# serves /metrics on 127.0.0.1:METRICS_PORT+N only], OPENCHAT_CLUSTER_PG_PORT [25432],
# OPENCHAT_CLUSTER_REDIS_PORT [26379], OPENCHAT_CLUSTER_SMTP_PORT [21025],
# OPENCHAT_CLUSTER_MAIL_HTTP_PORT [28025]. `up` writes them to
# $OPENCHAT_CLUSTER_DIR/cluster.env; later commands read them from there.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${OPENCHAT_CLUSTER_DIR:-/tmp/openchat-cluster}
STATE=$DIR/cluster.env
READY_TIMEOUT=30 # seconds a component may take to become ready
STOP_TIMEOUT=20  # seconds between SIGTERM and SIGKILL (above --shutdown-timeout)
MAILPIT_VERSION=v1.33.1

if [[ -f $STATE ]]; then
	# shellcheck source=/dev/null
	source "$STATE"
fi
BIN=${BIN:-${OPENCHAT_BIN:-$REPO/bin/openchat}}
NODES=${NODES:-${OPENCHAT_CLUSTER_NODES:-3}}
HTTP_PORT=${HTTP_PORT:-${OPENCHAT_CLUSTER_HTTP_PORT:-8080}}
HTTPS_PORT=${HTTPS_PORT:-${OPENCHAT_CLUSTER_HTTPS_PORT:-8443}}
NODE_PORT=${NODE_PORT:-${OPENCHAT_CLUSTER_NODE_PORT:-18080}}
METRICS_PORT=${METRICS_PORT:-${OPENCHAT_CLUSTER_METRICS_PORT:-19080}}
# The services' ports lie below Linux's ephemeral range (32768-60999): a
# restarted PostgreSQL or Redis once found its port taken by an outgoing
# connection's source port.
PG_PORT=${PG_PORT:-${OPENCHAT_CLUSTER_PG_PORT:-25432}}
REDIS_PORT=${REDIS_PORT:-${OPENCHAT_CLUSTER_REDIS_PORT:-26379}}
SMTP_PORT=${SMTP_PORT:-${OPENCHAT_CLUSTER_SMTP_PORT:-21025}}
MAIL_HTTP_PORT=${MAIL_HTTP_PORT:-${OPENCHAT_CLUSTER_MAIL_HTTP_PORT:-28025}}

log() { printf 'local-cluster: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# as_postgres runs a command as the postgres user when we are root (the
# server refuses to run as root).
as_postgres() {
	if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pid_of() { cat "$DIR/pids/$1.pid" 2>/dev/null || true; }
alive() {
	local pid
	pid=$(pid_of "$1")
	[[ -n $pid ]] && running "$pid"
}
# running: the process exists and is not a zombie waiting for its reaper
# (daemons started by an earlier run of this script are init's children).
running() {
	kill -0 "$1" 2>/dev/null || return 1
	local state
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)
	[[ $state != Z ]]
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # wait_for DESCRIPTION COMMAND...
	local what=$1 i
	shift
	for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	die "$what not ready after ${READY_TIMEOUT}s (logs in $DIR/logs)"
}

# stop_pid NAME SIGNAL: signal the recorded process and wait for it to end.
stop_pid() {
	local name=$1 sig=$2 pid i
	pid=$(pid_of "$name")
	[[ -z $pid ]] && return 0
	if running "$pid"; then
		kill "-$sig" "$pid" 2>/dev/null || true
		for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
			running "$pid" || break
			sleep 0.1
		done
		if running "$pid"; then
			log "$name did not stop on SIG$sig; SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.2
		fi
	fi
	rm -f "$DIR/pids/$name.pid"
}

# --- tools -------------------------------------------------------------------

apt_install() {
	[[ $EUID -eq 0 ]] || die "$* missing and not root: install it (apt-get install $*)"
	log "installing $* with apt"
	# Keep the package's own service from starting (it would take port 80):
	# the standard policy-rc.d "deny" while apt runs, removed afterwards.
	local policy=/usr/sbin/policy-rc.d made=""
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made=1
	fi
	local rc=0
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } >&2 || rc=$?
	[[ -n $made ]] && rm -f "$policy"
	return $rc
}

find_nginx() {
	command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true
}

ensure_tools() {
	[[ -x $BIN ]] || die "no openchat binary at $BIN: run make build (or set OPENCHAT_BIN)"
	if [[ -z $(find_nginx) ]]; then
		apt_install nginx-light || apt_install nginx
	fi
	NGINX=$(find_nginx)
	[[ -n $NGINX ]] || die "nginx not found after install"
	if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
	command -v openssl >/dev/null || apt_install openssl
	command -v curl >/dev/null || apt_install curl
	PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
	if [[ -z $PG_BIN ]]; then
		apt_install postgresql
		PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
	fi
	MAILPIT=$(command -v mailpit || true)
	if [[ -z $MAILPIT ]]; then
		local gobin
		gobin=$(go env GOBIN 2>/dev/null || true)
		[[ -n $gobin ]] || gobin=$(go env GOPATH 2>/dev/null)/bin
		if [[ ! -x $gobin/mailpit ]]; then
			log "installing mailpit $MAILPIT_VERSION with go install"
			go install "github.com/axllent/mailpit@$MAILPIT_VERSION" >&2
		fi
		MAILPIT=$gobin/mailpit
	fi
}

write_state() {
	mkdir -p "$DIR"
	cat >"$STATE" <<EOF
DIR=$DIR
BIN=$BIN
NODES=$NODES
HTTP_PORT=$HTTP_PORT
HTTPS_PORT=$HTTPS_PORT
NODE_PORT=$NODE_PORT
METRICS_PORT=$METRICS_PORT
PG_PORT=$PG_PORT
REDIS_PORT=$REDIS_PORT
SMTP_PORT=$SMTP_PORT
MAIL_HTTP_PORT=$MAIL_HTTP_PORT
NGINX=$NGINX
PG_BIN=$PG_BIN
MAILPIT=$MAILPIT
DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/openchat?sslmode=disable
REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
PUBLIC_URL=https://localhost:$HTTPS_PORT
MAILPIT_URL=http://127.0.0.1:$MAIL_HTTP_PORT
EOF
}

# --- components ----------------------------------------------------------------

start_postgres() {
	alive postgres && return 0
	local data=$DIR/pg/data
	mkdir -p "$DIR/pg"
	[[ $EUID -eq 0 ]] && chown postgres: "$DIR/pg"
	if [[ ! -f $data/PG_VERSION ]]; then
		log "initdb $data"
		as_postgres "$PG_BIN/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 >"$DIR/logs/initdb.log" 2>&1 ||
			die "initdb failed: $DIR/logs/initdb.log"
	fi
	port_busy "$PG_PORT" && die "port $PG_PORT is taken (set OPENCHAT_CLUSTER_PG_PORT)"
	touch "$DIR/logs/postgres.log"
	[[ $EUID -eq 0 ]] && chown postgres: "$DIR/logs/postgres.log"
	as_postgres "$PG_BIN/pg_ctl" -D "$data" -l "$DIR/logs/postgres.log" -w -t "$READY_TIMEOUT" start \
		-o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $DIR/pg -c max_connections=200" >/dev/null ||
		die "postgres did not start: $DIR/logs/postgres.log"
	head -n1 "$data/postmaster.pid" >"$DIR/pids/postgres.pid"
	if ! as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname='openchat'" | grep -q 1; then
		as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres openchat
	fi
}

stop_postgres() { # stop_postgres MODE (fast: clean; immediate: crash-like)
	[[ -f $DIR/pg/data/postmaster.pid ]] || { rm -f "$DIR/pids/postgres.pid"; return 0; }
	as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -m "$1" -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1 || true
	rm -f "$DIR/pids/postgres.pid"
}

start_redis() {
	alive redis && return 0
	port_busy "$REDIS_PORT" && die "port $REDIS_PORT is taken (set OPENCHAT_CLUSTER_REDIS_PORT)"
	mkdir -p "$DIR/redis"
	# No persistence: Redis holds only cache, pub/sub and presence, which the
	# instances rebuild after a restart.
	redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR/redis" --save '' --appendonly no \
		--daemonize no </dev/null >>"$DIR/logs/redis.log" 2>&1 &
	echo $! >"$DIR/pids/redis.pid"
	wait_for redis redis-cli -p "$REDIS_PORT" ping
}

start_mailpit() {
	alive mailpit && return 0
	port_busy "$SMTP_PORT" && die "port $SMTP_PORT is taken (set OPENCHAT_CLUSTER_SMTP_PORT)"
	mkdir -p "$DIR/mailpit"
	"$MAILPIT" --smtp "127.0.0.1:$SMTP_PORT" --listen "127.0.0.1:$MAIL_HTTP_PORT" \
		--database "$DIR/mailpit/mailpit.db" --disable-version-check --smtp-auth-accept-any \
		--smtp-auth-allow-insecure --max 5000 </dev/null >>"$DIR/logs/mailpit.log" 2>&1 &
	echo $! >"$DIR/pids/mailpit.pid"
	wait_for mailpit curl -fsS "http://127.0.0.1:$MAIL_HTTP_PORT/api/v1/info"
}

node_port() { echo $((NODE_PORT + $1)); }
metrics_port() { echo $((METRICS_PORT + $1)); }

start_node() {
	local n=$1 port
	[[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le $NODES ]] || die "no instance $n (1..$NODES)"
	alive "node-$n" && return 0
	port=$(node_port "$n")
	port_busy "$port" && die "port $port is taken (set OPENCHAT_CLUSTER_NODE_PORT)"
	port_busy "$(metrics_port "$n")" && die "port $(metrics_port "$n") is taken (set OPENCHAT_CLUSTER_METRICS_PORT)"
	mkdir -p "$DIR/node-$n"
	# The secret goes through the environment, not argv (visible in ps).
	OPENCHAT_SECRET=$(cat "$DIR/secret") "$BIN" serve \
		--addr "127.0.0.1:$port" \
		--metrics-addr "127.0.0.1:$(metrics_port "$n")" \
		--instance-id "node-$n" \
		--data-dir "$DIR/node-$n" \
		--database-url "postgres://postgres@127.0.0.1:$PG_PORT/openchat?sslmode=disable" \
		--redis-url "redis://127.0.0.1:$REDIS_PORT/0" \
		--redis-prefix "openchat:" \
		--public-url "https://localhost:$HTTPS_PORT" \
		--trusted-proxies 127.0.0.1/32 \
		--smtp-url "smtp://127.0.0.1:$SMTP_PORT" \
		--mail-batch-window 1s \
		--shutdown-timeout 10s \
		</dev/null >>"$DIR/logs/node-$n.log" 2>&1 &
	echo $! >"$DIR/pids/node-$n.pid"
	wait_for "node-$n" curl -fsS "http://127.0.0.1:$port/readyz"
}

start_nginx() {
	alive nginx && return 0
	port_busy "$HTTPS_PORT" && die "port $HTTPS_PORT is taken (set OPENCHAT_CLUSTER_HTTPS_PORT)"
	port_busy "$HTTP_PORT" && die "port $HTTP_PORT is taken (set OPENCHAT_CLUSTER_HTTP_PORT)"
	mkdir -p "$DIR/nginx/tmp"
	# Workers run as nobody when the master is root: they write the temp dirs.
	[[ $EUID -eq 0 ]] && chown nobody "$DIR/nginx/tmp"
	local servers="" ws_servers="" n
	for ((n = 1; n <= NODES; n++)); do
		servers+="server 127.0.0.1:$(node_port "$n") max_fails=2 fail_timeout=5s;"$'\n        '
		ws_servers+="server 127.0.0.1:$(node_port "$n") max_fails=0;"$'\n        '
	done
	local conf=$DIR/nginx/nginx.conf
	sed -e "s#@DIR@#$DIR#g" -e "s#@HTTP_PORT@#$HTTP_PORT#g" -e "s#@HTTPS_PORT@#$HTTPS_PORT#g" \
		"$REPO/deploy/nginx.local.conf" | awk -v s="$servers" -v w="$ws_servers" '{ sub(/@UPSTREAM_SERVERS@/, s); sub(/@WS_UPSTREAM_SERVERS@/, w); print }' >"$conf"
	"$NGINX" -t -q -p "$DIR/nginx" -c "$conf" 2>>"$DIR/logs/nginx-error.log" || die "nginx -t failed: $DIR/logs/nginx-error.log"
	"$NGINX" -p "$DIR/nginx" -c "$conf" </dev/null >>"$DIR/logs/nginx-error.log" 2>&1
	wait_for nginx test -s "$DIR/nginx/nginx.pid"
	cp "$DIR/nginx/nginx.pid" "$DIR/pids/nginx.pid"
	wait_for nginx curl -fsSk "https://127.0.0.1:$HTTPS_PORT/healthz"
}

make_cert() {
	[[ -f $DIR/tls/cert.pem ]] && return 0
	mkdir -p "$DIR/tls"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
		-subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-keyout "$DIR/tls/key.pem" -out "$DIR/tls/cert.pem" 2>/dev/null
	chmod 600 "$DIR/tls/key.pem"
}

# --- commands ------------------------------------------------------------------

cmd_up() {
	ensure_tools
	mkdir -p "$DIR/pids" "$DIR/logs"
	chmod 755 "$DIR" # postgres must reach its data dir inside
	write_state
	[[ -f $DIR/secret ]] || { openssl rand -hex 32 >"$DIR/secret" && chmod 600 "$DIR/secret"; }
	make_cert
	start_postgres
	start_redis
	start_mailpit
	local n
	for ((n = 1; n <= NODES; n++)); do start_node "$n"; done
	start_nginx
	log "up: https://127.0.0.1:$HTTPS_PORT (http on $HTTP_PORT redirects), mailpit http://127.0.0.1:$MAIL_HTTP_PORT"
}

cmd_down() {
	local n
	stop_pid nginx QUIT
	for ((n = 1; n <= NODES; n++)); do stop_pid "node-$n" TERM; done
	stop_pid mailpit TERM
	stop_pid redis TERM
	if [[ -n ${PG_BIN:-} ]]; then stop_postgres fast; fi
	rm -rf "$DIR"
	log "down"
}

component_status() { # NAME HEALTH-COMMAND...
	local name=$1 state=stopped health=-
	shift
	if alive "$name"; then
		state="running pid=$(pid_of "$name")"
		if "$@" >/dev/null 2>&1; then health=ok; else health=FAIL; fi
	fi
	printf '%-9s %-24s health=%s\n' "$name" "$state" "$health"
}

cmd_status() {
	[[ -f $STATE ]] || { echo "not up ($STATE missing)"; return 0; }
	local n
	component_status postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
	component_status redis redis-cli -p "$REDIS_PORT" ping
	component_status mailpit curl -fsS "http://127.0.0.1:$MAIL_HTTP_PORT/api/v1/info"
	for ((n = 1; n <= NODES; n++)); do
		component_status "node-$n" curl -fsS "http://127.0.0.1:$(node_port "$n")/readyz"
	done
	echo "metrics: http://127.0.0.1:$(metrics_port 1)/metrics (node N on port $METRICS_PORT+N, loopback only)"
	component_status nginx curl -fsSk "https://127.0.0.1:$HTTPS_PORT/healthz"
}

need_state() { [[ -f $STATE ]] || die "not up: run $0 up first"; }

cmd_stop() { # stop|kill C
	local sig=$1 c=$2
	case $c in
	postgres) if [[ $sig == KILL ]]; then stop_postgres immediate; else stop_postgres fast; fi ;;
	nginx) stop_pid nginx "$([[ $sig == KILL ]] && echo KILL || echo QUIT)" ;;
	redis | mailpit) stop_pid "$c" "$sig" ;;
	*)
		[[ $c =~ ^[0-9]+$ && $c -ge 1 && $c -le $NODES ]] || die "unknown component $c"
		stop_pid "node-$c" "$sig"
		;;
	esac
}

cmd_start() {
	mkdir -p "$DIR/pids" "$DIR/logs"
	NGINX=${NGINX:-$(find_nginx)}
	case $1 in
	postgres) start_postgres ;;
	redis) start_redis ;;
	mailpit) start_mailpit ;;
	nginx) start_nginx ;;
	*) start_node "$1" ;;
	esac
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env) need_state && cat "$STATE" ;;
stop) need_state && cmd_stop TERM "${2:?component}" ;;
kill) need_state && cmd_stop KILL "${2:?component}" ;;
start) need_state && cmd_start "${2:?component}" ;;
restart) need_state && cmd_stop TERM "${2:?component}" && cmd_start "$2" ;;
*)
	sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
