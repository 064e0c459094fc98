#!/usr/bin/env bash
# Runs one client compatibility program against a fresh Mallard server:
#   run_client.sh MALLARD_BINARY PROGRAM [ARGS...]
# The server gets its own data directory and a free loopback port; the program finds it through
# MALLARD_HOST, MALLARD_PORT, MALLARD_USER, MALLARD_PASSWORD and MALLARD_DBNAME (and the libpq
# PG* variables, for tools that only read those). The program's exit status is the result.
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 MALLARD_BINARY PROGRAM [ARGS...]" >&2
  exit 2
fi
mallard=$1
shift

work=$(mktemp -d /tmp/mallard-client-XXXXXX)
server_pid=""

stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 1 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    # A server that ignores SIGTERM for 10 s is itself a failure worth seeing, but must not linger.
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "run_client: server did not stop on SIGTERM; killing it" >&2
      kill -KILL "$server_pid" 2>/dev/null
    fi
    wait "$server_pid" 2>/dev/null
  fi
  server_pid=""
}

cleanup() {
  stop_server
  if [ -z "${MALLARD_CLIENT_KEEP:-}" ]; then rm -rf "$work"; else echo "run_client: kept $work" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Any port the kernel hands out for an ephemeral bind is free right now; the small window before
# the server binds it is retried below.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

export MALLARD_HOST=127.0.0.1
export MALLARD_USER=mallard
export MALLARD_DBNAME=mallard
export MALLARD_PASSWORD=${MALLARD_CLIENT_PASSWORD:-client-test-secret}
log_level=${MALLARD_CLIENT_LOG_LEVEL:-info}

started=0
for attempt in 1 2 3; do
  port=$(free_port)
  "$mallard" serve --data-dir "$work/data" --listen "127.0.0.1:$port" --log-level "$log_level" \
    >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      started=1
      break
    fi
    sleep 0.05
  done
  [ $started = 1 ] && break
  stop_server
done
if [ $started != 1 ]; then
  echo "run_client: server did not start" >&2
  cat "$work/server.log" >&2
  exit 1
fi

export MALLARD_PORT=$port
export PGHOST=$MALLARD_HOST PGPORT=$MALLARD_PORT PGUSER=$MALLARD_USER PGPASSWORD=$MALLARD_PASSWORD
export PGDATABASE=$MALLARD_DBNAME
export MALLARD_SCRATCH="$work/scratch"
mkdir -p "$MALLARD_SCRATCH"

"$@"
status=$?

stop_server
if [ $status -ne 0 ]; then
  echo "run_client: $1 failed with status $status; server log:" >&2
  tail -n 200 "$work/server.log" >&2
fi
exit $status
