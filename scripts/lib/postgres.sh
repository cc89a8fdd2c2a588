# Shared shell functions: install and run a throwaway PostgreSQL cluster on 127.0.0.1.
# Sourced by scripts/test and scripts/bench.

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

ensure_nextest() {
  if cargo nextest --version >/dev/null 2>&1; then return; fi
  log "installing cargo-nextest"
  cargo install cargo-nextest --locked
}

ensure_cargo_fuzz() {
  if cargo fuzz --version >/dev/null 2>&1; then return; fi
  log "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
}

ensure_postgres() {
  if [ -n "$(pg_bindir)" ] && [ -x "$(pg_bindir)/initdb" ]; then return; fi
  log "installing PostgreSQL from Debian's packages"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
}

# PostgreSQL refuses to run as root: run the cluster as a dedicated unprivileged user.
PG_USER=""
pg_run() {
  if [ -n "$PG_USER" ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_postgres [durable]: without "durable", fsync and synchronous commit are off (tests).
start_postgres() {
  local bindir; bindir="$(pg_bindir)"
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ "${1:-}" = durable ]; then durability="-c fsync=on -c synchronous_commit=on -c shared_buffers=512MB"; fi
  PG_DIR="$(mktemp -d /tmp/portico-pg.XXXXXX)"
  if [ "$(id -u)" -eq 0 ]; then
    PG_USER=portico-pg
    id "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
    chown "$PG_USER" "$PG_DIR"
  fi
  PG_PORT="$(free_port)"
  log "starting PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
  pg_run "$bindir/initdb" -D "$PG_DIR/data" -U portico --auth=trust --encoding=UTF8 --no-locale >"$PG_DIR/initdb.log"
  pg_run "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR -c max_connections=300 $durability" >/dev/null
  trap stop_postgres EXIT
  export TEST_DATABASE_URL="postgres://portico@127.0.0.1:$PG_PORT/postgres"
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    pg_run "$(pg_bindir)/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}

