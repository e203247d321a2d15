#!/usr/bin/env bash
# Throwaway PostgreSQL for tests, demos and benchmarks: sourced by build.sh.
# pg_start exports CONTINUATIONSTATE_TEST_CONNECTION; the server and its data directory go at exit.

pg_bin_dir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

pg_install_if_missing() {
  pg_bin_dir >/dev/null && return 0
  echo "build.sh: PostgreSQL server binaries missing; installing Debian's postgresql package" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: need root to install postgresql; set CONTINUATIONSTATE_TEST_CONNECTION instead" >&2
    return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  # The package starts a cluster of its own; we use our own throwaway one.
  pg_bin_dir >/dev/null
}

pg_free_port() {
  local port
  for port in $(shuf -i 20000-40000 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# Runs a command as the postgres user when we are root (the server refuses to run as root).
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_stop() {
  if [ -n "${PG_TMP_DIR:-}" ] && [ -f "$PG_TMP_DIR/pgbouncer.pid" ]; then
    kill "$(cat "$PG_TMP_DIR/pgbouncer.pid")" 2>/dev/null || true
  fi
  if [ -n "${PG_TMP_DIR:-}" ] && [ -d "$PG_TMP_DIR" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP_DIR"
  fi
}

# pg_start [durable]: with "durable", the server keeps PostgreSQL's default durability (fsync, synchronous_commit and
# full_page_writes on, as users run it): for ./build.sh bench --durable.
pg_start() {
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${1:-}" = durable ] && durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  pg_install_if_missing || return 1
  PG_BIN=$(pg_bin_dir)
  PG_PORT=$(pg_free_port) || { echo "build.sh: no free port" >&2; return 1; }
  PG_TMP_DIR=$(mktemp -d /tmp/continuationstate-pg.XXXXXX)
  chmod 755 "$PG_TMP_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_TMP_DIR"
  trap pg_stop EXIT
  pg_as_owner "$PG_BIN/initdb" -D "$PG_TMP_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_TMP_DIR/initdb.log" 2>&1 ||
    { cat "$PG_TMP_DIR/initdb.log" >&2; return 1; }
  # Durability is irrelevant for a throwaway server: trade it for speed (unless asked for).
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP_DIR/data" -l "$PG_TMP_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_TMP_DIR -c listen_addresses=127.0.0.1 $durability -c max_connections=300" \
    start >/dev/null || { cat "$PG_TMP_DIR/server.log" >&2; return 1; }
  export CONTINUATIONSTATE_TEST_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
  # Fault tests restart this server; they need to know where it lives.
  export CONTINUATIONSTATE_TEST_PGBIN="$PG_BIN" CONTINUATIONSTATE_TEST_PGDATA="$PG_TMP_DIR/data"
  echo "build.sh: throwaway PostgreSQL on 127.0.0.1:$PG_PORT ($PG_TMP_DIR; $durability)" >&2
}

# PgBouncer in transaction-pooling mode in front of the throwaway server, for the pooler test pass.
# Exports CONTINUATIONSTATE_TEST_POOLER_CONNECTION. Installs Debian's pgbouncer when it is missing.
pgbouncer_start() {
  if ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "build.sh: pgbouncer is missing and we are not root; skipping the pooler pass" >&2
      return 1
    fi
    echo "build.sh: installing Debian's pgbouncer package" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >&2 || return 1
    # The package starts a service of its own on 6432; ours runs on a free port.
  fi
  local bouncer port attempt
  bouncer=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  # A daemon that dies after forking (a port taken between the check and the bind, say) still returns 0, so each
  # attempt is judged by a query through it that must reach our server; a failed one prints PgBouncer's log.
  for attempt in 1 2 3; do
    port=$(pg_free_port) || return 1
    pgbouncer_write_config "$port"
    pg_as_owner "$bouncer" -d "$PG_TMP_DIR/pgbouncer.ini" >>"$PG_TMP_DIR/pgbouncer.out" 2>&1
    if pgbouncer_answers "$port"; then
      export CONTINUATIONSTATE_TEST_POOLER_CONNECTION="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
      echo "build.sh: PgBouncer (transaction pooling) on 127.0.0.1:$port" >&2
      return 0
    fi
    echo "build.sh: PgBouncer on 127.0.0.1:$port did not answer (attempt $attempt of 3); its output and log:" >&2
    tail -n 20 "$PG_TMP_DIR/pgbouncer.out" "$PG_TMP_DIR/pgbouncer.log" >&2 2>/dev/null
    [ -f "$PG_TMP_DIR/pgbouncer.pid" ] && kill "$(cat "$PG_TMP_DIR/pgbouncer.pid")" 2>/dev/null
    rm -f "$PG_TMP_DIR/pgbouncer.pid"
  done
  return 1
}

# True once a query through PgBouncer on port $1 reaches our throwaway server (within about 10 s).
pgbouncer_answers() {
  local i reached psql
  psql=$(command -v "$PG_BIN/psql" psql | head -n 1)
  for i in $(seq 1 50); do
    if [ -n "$psql" ]; then
      reached=$("$psql" -X -Atq "host=127.0.0.1 port=$1 user=postgres dbname=postgres connect_timeout=2" \
        -c "SELECT inet_server_port()" 2>>"$PG_TMP_DIR/pgbouncer.out")
    else
      # No psql client: a listening port is the best we can check.
      (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && reached=$PG_PORT
    fi
    [ "$reached" = "$PG_PORT" ] && return 0
    sleep 0.2
  done
  return 1
}

pgbouncer_write_config() {
  cat >"$PG_TMP_DIR/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PG_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $1
unix_socket_dir =
auth_type = trust
auth_file = $PG_TMP_DIR/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
max_db_connections = 60
server_reset_query =
logfile = $PG_TMP_DIR/pgbouncer.log
pidfile = $PG_TMP_DIR/pgbouncer.pid
INI
  echo '"postgres" ""' >"$PG_TMP_DIR/userlist.txt"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_TMP_DIR/pgbouncer.ini" "$PG_TMP_DIR/userlist.txt"

}
