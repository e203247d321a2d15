#!/usr/bin/env bash
# A throwaway two-node PostgreSQL 15 cluster under Patroni, with one etcd as its store, for the high-availability
# tests (tests/ContinuationState.Tests/HighAvailability): sourced by build.sh, like scripts/pg.sh.
#
#   . scripts/patroni.sh && ha_start [sync|async]   # default sync (CONTINUATIONSTATE_HA_SYNCHRONOUS=false: async)
#
# Everything listens on 127.0.0.1 on free ports; everything (etcd, both Patroni daemons, both postmasters) runs as
# the postgres user from a mktemp directory, and ha_stop (an EXIT trap) kills them and removes that directory, so
# nothing is left behind: no process, no port, no file (only the packages apt installed stay, as with pg.sh).
# Installs Debian's patroni (3.0.x) and etcd-server (3.4.x) with apt when they are missing, and fails loudly when it
# cannot. Start-up took 11-26 s on a busy 2-core machine (etcd, initdb of the first node, pg_basebackup of the
# second, the standby becoming synchronous).
#
# Exports:
#   CONTINUATIONSTATE_TEST_HA_CONNECTION   multi-host connection string, Target Session Attributes=primary
#   CONTINUATIONSTATE_TEST_HA_NODES        name|postgres host:port|REST API URL|data dir, one per node, ';'-separated
#   CONTINUATIONSTATE_TEST_HA_PATRONICTL   a patronictl config file (patronictl -c FILE list / switchover)
#   CONTINUATIONSTATE_TEST_HA_SYNCHRONOUS  true or false, as the cluster was started

HA_PG_VERSION=15
HA_PG_BIN=/usr/lib/postgresql/$HA_PG_VERSION/bin

ha_log() { echo "patroni.sh: $*" >&2; }

ha_install_if_missing() {
  if command -v patroni >/dev/null && command -v patronictl >/dev/null && command -v etcd >/dev/null &&
    [ -x "$HA_PG_BIN/initdb" ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    ha_log "patroni, etcd or PostgreSQL $HA_PG_VERSION is missing and we are not root: install Debian's patroni, etcd-server and postgresql-$HA_PG_VERSION"
    return 1
  fi
  ha_log "installing Debian's patroni, etcd-server and postgresql-$HA_PG_VERSION"
  # policy-rc.d or not, the packages' own services are never used: ours run on free ports.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patroni etcd-server "postgresql-$HA_PG_VERSION" >&2 ||
    { ha_log "apt-get install failed"; return 1; }
  command -v patroni >/dev/null && command -v etcd >/dev/null && [ -x "$HA_PG_BIN/initdb" ] ||
    { ha_log "patroni, etcd or $HA_PG_BIN/initdb still missing after apt-get install"; return 1; }
}

# Sets the variable named $1 to a free port on 127.0.0.1, never one handed out before in this shell.
ha_free_port() {
  local port
  for port in $(shuf -i 20000-40000 -n 100); do
    case " ${HA_USED_PORTS:-} " in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      HA_USED_PORTS="${HA_USED_PORTS:-} $port"
      printf -v "$1" '%s' "$port"
      return 0
    fi
  done
  ha_log "no free port"
  return 1
}

ha_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts "$@" in the background as the postgres user; its pid (the daemon's own, not runuser's) goes to $1.pid.
ha_spawn() {
  local name=$1
  shift
  ha_as_owner sh -c 'echo $$ >"$0.pid"; exec "$@"' "$HA_TMP_DIR/$name" "$@" >"$HA_TMP_DIR/$name.log" 2>&1 &
}

ha_kill_pidfile() {
  local file=$1 signal=$2 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  [ -n "$pid" ] && kill "-$signal" "$pid" 2>/dev/null || true
}

ha_stop() {
  [ -n "${HA_TMP_DIR:-}" ] && [ -d "$HA_TMP_DIR" ] || return 0
  local node i
  # Patroni stops its PostgreSQL on SIGTERM; give it a few seconds, then make sure.
  for node in node1 node2; do ha_kill_pidfile "$HA_TMP_DIR/$node.pid" TERM; done
  for i in $(seq 1 50); do
    pgrep -f "$HA_TMP_DIR/node[12].yml" >/dev/null || break
    sleep 0.1
  done
  for node in node1 node2; do
    ha_kill_pidfile "$HA_TMP_DIR/$node.pid" KILL
    [ -f "$HA_TMP_DIR/$node/postmaster.pid" ] &&
      ha_as_owner "$HA_PG_BIN/pg_ctl" -D "$HA_TMP_DIR/$node" -m immediate stop >/dev/null 2>&1 || true
  done
  ha_kill_pidfile "$HA_TMP_DIR/etcd.pid" TERM
  for i in $(seq 1 30); do
    [ -f "$HA_TMP_DIR/etcd.pid" ] && kill -0 "$(cat "$HA_TMP_DIR/etcd.pid")" 2>/dev/null || break
    sleep 0.1
  done
  ha_kill_pidfile "$HA_TMP_DIR/etcd.pid" KILL
  rm -rf "$HA_TMP_DIR"
  HA_TMP_DIR=
}

# Writes node $1's Patroni configuration (postgres port $2, REST port $3).
ha_write_config() {
  local node=$1 pg_port=$2 rest_port=$3 sync=$4
  cat >"$HA_TMP_DIR/$node.yml" <<YAML
scope: continuationstate-ha
name: $node
log:
  level: INFO
restapi:
  listen: 127.0.0.1:$rest_port
  connect_address: 127.0.0.1:$rest_port
etcd3:
  host: 127.0.0.1:$HA_ETCD_PORT
bootstrap:
  dcs:
    # Short timings for a test cluster on loopback: a crash is noticed within a loop (1 s).
    ttl: 10
    loop_wait: 1
    retry_timeout: 4
    # A crashed primary fails over at once instead of being restarted in place (default 300 s).
    primary_start_timeout: 0
    synchronous_mode: $sync
    synchronous_mode_strict: false
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_log_hints: 'on'
        max_connections: 200
        max_wal_senders: 10
        synchronous_commit: 'on'
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - auth: trust
postgresql:
  listen: 127.0.0.1:$pg_port
  connect_address: 127.0.0.1:$pg_port
  data_dir: $HA_TMP_DIR/$node
  bin_dir: $HA_PG_BIN
  pgpass: $HA_TMP_DIR/$node.pgpass
  pg_hba:
    - local all all trust
    - host replication all 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: replicator
    rewind:
      username: postgres
      password: postgres
  parameters:
    unix_socket_directories: '$HA_TMP_DIR'
YAML
}

# Polls until one node is the running leader and pg_stat_replication on it shows the other streaming, as the
# synchronous standby (sync) or as a plain one (async). patronictl 3.0.2 says "running" for a standby, not "streaming".
ha_wait_healthy() {
  local deadline=$((SECONDS + ${1:-120})) list leader want
  [ "$HA_SYNC" = true ] && want=sync || want=async
  while [ $SECONDS -lt $deadline ]; do
    list=$(patronictl -c "$HA_TMP_DIR/node1.yml" list -f json 2>/dev/null || true)
    leader=$(python3 -c '
import json, sys
try:
    members = json.loads(sys.argv[1])
except Exception:
    sys.exit(0)
leaders = [m["Host"] for m in members if m.get("Role") == "Leader" and m.get("State") == "running"]
others = [m for m in members if m.get("Role") != "Leader" and m.get("State") in ("running", "streaming")]
if len(leaders) == 1 and len(others) == 1:
    print(leaders[0])
' "$list")
    if [ -n "$leader" ] && [ "$(psql -X -Atq "host=${leader%:*} port=${leader##*:} user=postgres password=postgres dbname=postgres connect_timeout=2" \
      -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = '$want'" 2>/dev/null)" = 1 ]; then
      return 0
    fi
    sleep 0.25
  done
  ha_log "cluster not healthy in time: $list"
  return 1
}

ha_start() {
  local mode=${1:-}
  if [ -z "$mode" ]; then
    case "${CONTINUATIONSTATE_HA_SYNCHRONOUS:-true}" in false|0|async) mode=async ;; *) mode=sync ;; esac
  fi
  case "$mode" in sync) HA_SYNC=true ;; async) HA_SYNC=false ;; *) ha_log "usage: ha_start [sync|async]"; return 1 ;; esac
  ha_install_if_missing || return 1
  local started=$SECONDS
  HA_TMP_DIR=$(mktemp -d /tmp/continuationstate-ha.XXXXXX)
  chmod 755 "$HA_TMP_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$HA_TMP_DIR"
  # Chain onto an EXIT trap that is already there (pg.sh's pg_stop), rather than replacing it.
  local previous
  previous=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
  # shellcheck disable=SC2064
  trap "ha_stop; ${previous:-:}" EXIT

  local etcd_peer
  ha_free_port HA_ETCD_PORT && ha_free_port etcd_peer || return 1
  ha_spawn etcd etcd --name ha-etcd --data-dir "$HA_TMP_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$HA_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$HA_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "ha-etcd=http://127.0.0.1:$etcd_peer" --initial-cluster-state new \
    --listen-metrics-urls "" --logger zap --log-level warn
  local i
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$HA_ETCD_PORT") 2>/dev/null && break
    sleep 0.1
  done

  local nodes="" hosts="" node pg_port rest_port
  for node in node1 node2; do
    ha_free_port pg_port && ha_free_port rest_port || return 1
    ha_write_config "$node" "$pg_port" "$rest_port" "$HA_SYNC"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$HA_TMP_DIR/$node.yml"
    nodes="${nodes:+$nodes;}$node|127.0.0.1:$pg_port|http://127.0.0.1:$rest_port|$HA_TMP_DIR/$node"
    hosts="${hosts:+$hosts,}127.0.0.1:$pg_port"
    ha_spawn "$node" patroni "$HA_TMP_DIR/$node.yml"
    # node1 bootstraps; node2 starts once there is a leader to clone, so the two never race for initdb.
    if [ "$node" = node1 ]; then
      for i in $(seq 1 240); do
        curl -sf "http://127.0.0.1:$rest_port/primary" >/dev/null 2>&1 && break
        sleep 0.25
      done
    fi
  done
  if ! ha_wait_healthy 120; then
    tail -n 30 "$HA_TMP_DIR"/node*.log >&2
    return 1
  fi
  export CONTINUATIONSTATE_TEST_HA_CONNECTION="Host=$hosts;Target Session Attributes=primary;Host Recheck Seconds=1;Username=postgres;Password=postgres;Database=postgres"
  export CONTINUATIONSTATE_TEST_HA_NODES="$nodes"
  export CONTINUATIONSTATE_TEST_HA_PATRONICTL="$HA_TMP_DIR/node1.yml"
  export CONTINUATIONSTATE_TEST_HA_SYNCHRONOUS="$HA_SYNC"
  ha_log "Patroni cluster ($mode replication) up in $((SECONDS - started)) s: $hosts ($HA_TMP_DIR)"
}
