#!/usr/bin/env bash
# pgbench against Mallard: initialisation (DDL and COPY), then a custom read-only script with 8
# concurrent clients and the built-in TPC-B-like script, under each query mode (simple, extended,
# prepared). Every run must process all of its transactions with none failed, and the data must
# show the writes.
set -euo pipefail

: "${PGHOST:?}" "${PGPORT:?}" "${PGUSER:?}" "${PGPASSWORD:?}" "${PGDATABASE:?}"
work=${MALLARD_SCRATCH:-$(mktemp -d)}
export PGCONNECT_TIMEOUT=15

fail() {
  echo "FAIL $*" >&2
  exit 1
}

scalar() {
  psql -X -v ON_ERROR_STOP=1 -At -c "$1"
}

# Every initialisation step but primary keys ('p'): lake tables enforce NOT NULL only, and
# Mallard refuses a constraint it would not enforce (0A000).
pgbench -i -I dtgv -s 1 -q >"$work/init.log" 2>&1 || {
  cat "$work/init.log" >&2
  fail "pgbench -i"
}
[ "$(scalar 'SELECT count(*) FROM pgbench_accounts')" = 100000 ] || fail "pgbench_accounts row count"
[ "$(scalar 'SELECT count(*) FROM pgbench_branches')" = 1 ] || fail "pgbench_branches row count"
[ "$(scalar 'SELECT count(*) FROM pgbench_tellers')" = 10 ] || fail "pgbench_tellers row count"

cat >"$work/read.sql" <<'EOF'
\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
SELECT count(*), sum(abalance) FROM pgbench_accounts WHERE bid = :bid AND aid BETWEEN :aid - 100 AND :aid;
SELECT t.tid, t.tbalance FROM pgbench_tellers t JOIN pgbench_branches b USING (bid) WHERE b.bid = :bid ORDER BY t.tid;
EOF

# Checks one pgbench log: every transaction processed, none failed.
check_run() {
  local name=$1 expected=$2 log=$3
  local processed failed
  processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\)\/\([0-9]*\).*/\1 \2/p' "$log")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$log")
  if [ "$processed" != "$expected $expected" ] || [ "$failed" != 0 ]; then
    cat "$log" >&2
    fail "$name: processed '$processed' (want '$expected $expected'), failed '$failed' (want 0)"
  fi
  echo "$name: $expected transactions, 0 failed"
}

total_history=0
for mode in simple extended prepared; do
  log="$work/read-$mode.log"
  pgbench -n -M "$mode" -c 8 -j 2 -t 40 -f "$work/read.sql" >"$log" 2>&1 || {
    cat "$log" >&2
    fail "read script, -M $mode"
  }
  check_run "read -M $mode" 320 "$log"

  # The built-in write script updates the same branch row from every client, which conflicts
  # under snapshot isolation; pgbench retries those serialization failures (40001). On lake
  # tables every UPDATE rewrites the delete file of the one data file pgbench_accounts has, so
  # concurrent writers always conflict: two clients show the retries without a long queue.
  log="$work/tpcb-$mode.log"
  # pgbench retries at once, without backoff: with four clients on one branch row a transaction
  # can lose many times in a row on a loaded machine, so the bound on tries is generous. Anything
  # other than a serialization failure still fails the run.
  pgbench -n -M "$mode" -c 2 -j 2 -t 10 --max-tries=1000 >"$log" 2>&1 || {
    cat "$log" >&2
    fail "tpcb-like, -M $mode"
  }
  check_run "tpcb-like -M $mode" 20 "$log"
  total_history=$((total_history + 20))
done

[ "$(scalar 'SELECT count(*) FROM pgbench_history')" = "$total_history" ] || fail "pgbench_history rows"
# Each transaction adds the same delta to its account, teller and branch: the totals agree.
sums=$(scalar 'SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT sum(delta) FROM pgbench_history)
  AND (SELECT sum(bbalance) FROM pgbench_branches) = (SELECT sum(delta) FROM pgbench_history)')
[ "$sums" = t ] || fail "balances do not add up"
echo "pgbench: all checks passed"
