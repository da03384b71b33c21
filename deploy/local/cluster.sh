#!/usr/bin/env bash
# A Taskforce cluster of N nodes on this machine, against a local PostgreSQL: start, status, stop.
#
#   deploy/local/cluster.sh start N [--base-port P] [--dir DIR] [--db NAME] [--create-db] [--timeout S]
#   deploy/local/cluster.sh status [--dir DIR]
#   deploy/local/cluster.sh stop [--dir DIR] [--timeout S]
#
# deploy/local/README.md explains the ports, the files under DIR and the variables it reads.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEFAULT_DIR="$ROOT/data/local-cluster"

usage() {
  cat <<'TEXT'
usage: deploy/local/cluster.sh <start|status|stop> [options]

  start N     start N nodes (./taskforce server each) on the PostgreSQL journal and wait until every
              node is Up in the cluster and ready
  status      each node's process, readiness and the members the cluster sees
  stop        SIGTERM every node (last first) and wait for each to exit

options:
  --base-port P  node i (0-based) gets remoting P+i, HTTP P+100+i, management P+200+i
                 (default: remoting 2551+i, HTTP 8080+i, management 8558+i)
  --dir DIR      where the nodes' data directories, logs, pids and the cluster's token live
                 (default: data/local-cluster; or TASKFORCE_CLUSTER_DIR)
  --db NAME      the database on 127.0.0.1:5432 (default: taskforce); ignored when TASKFORCE_DB_URL is set
  --create-db    create that database first if it does not exist (needs psql; user postgres)
  --timeout S    how long start waits for the cluster, or stop for each node (default: 120)

environment: TASKFORCE_DB_URL/USER/PASSWORD (the journal), TASKFORCE_TOKEN (else generated once
into DIR/token), TASKFORCE_ADMIN_USER/PASSWORD (else "operator" and a password generated once into
DIR/admin-password), TASKFORCE_MAX_RUNNING, LOG_LEVEL, JAVA_OPTS (default: -Xmx256m -XX:+UseSerialGC)
TEXT
}

die() {
  echo "cluster.sh: $*" >&2
  exit 2
}

# ---- options

verb="${1:-}"
[[ $# -gt 0 ]] && shift
count=""
if [[ "$verb" == start ]]; then
  count="${1:-}"
  [[ "$count" =~ ^[1-9][0-9]*$ ]] || die "start needs the number of nodes: cluster.sh start N"
  shift
fi
base_port=""
dir="${TASKFORCE_CLUSTER_DIR:-$DEFAULT_DIR}"
db_name="taskforce"
create_db=false
timeout=120
while [[ $# -gt 0 ]]; do
  case "$1" in
    --base-port) base_port="${2:?--base-port needs a port}"; shift 2 ;;
    --dir) dir="${2:?--dir needs a directory}"; shift 2 ;;
    --db) db_name="${2:?--db needs a name}"; shift 2 ;;
    --create-db) create_db=true; shift ;;
    --timeout) timeout="${2:?--timeout needs seconds}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (cluster.sh --help)" ;;
  esac
done
[[ -z "$base_port" || "$base_port" =~ ^[0-9]+$ ]] || die "--base-port must be a number"
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds"
[[ "$db_name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "--db must be a plain identifier, not '$db_name'"
if [[ "$verb" == start ]]; then
  mkdir -p "$dir"
elif [[ ! -d "$dir" ]]; then
  die "no cluster in $dir (cluster.sh start N first)"
fi
dir="$(cd "$dir" && pwd)"

# ---- the layout of one node

remote_port() { if [[ -n "$base_port" ]]; then echo $((base_port + $1)); else echo $((2551 + $1)); fi; }
http_port() { if [[ -n "$base_port" ]]; then echo $((base_port + 100 + $1)); else echo $((8080 + $1)); fi; }
mgmt_port() { if [[ -n "$base_port" ]]; then echo $((base_port + 200 + $1)); else echo $((8558 + $1)); fi; }
node_dir() { echo "$dir/node-$1"; }

# The pid of node $1 if its process is alive, else nothing. The pid file is checked against the
# process's command line (the launcher, then the java it execs), so a reused pid is not taken.
node_pid() {
  local file pid
  file="$(node_dir "$1")/pid"
  [[ -f "$file" ]] || return 0
  pid="$(<"$file")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && grep -qa taskforce "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  fi
}

# The nodes of the cluster that start recorded in DIR: 0 .. count-1.
recorded_nodes() {
  local i
  for ((i = 0; i < nodes_started; i++)); do echo "$i"; done
}

# Reads what start recorded (ports, credentials) so that status and stop need no options.
load_cluster_env() {
  [[ -f "$dir/cluster.env" ]] || die "no cluster in $dir (cluster.sh start N first)"
  # shellcheck disable=SC1091
  source "$dir/cluster.env"
}

http_code() {
  # http_code URL [curl options]: the status code, or 000 when nothing answers.
  local url="$1"
  shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" 2>/dev/null || true
}

# The number of members with status Up that node $1's management port reports.
members_up() {
  curl -s --max-time 5 -u "$admin_user:$admin_password" "http://127.0.0.1:$(mgmt_port "$1")/cluster/members" 2>/dev/null \
    | grep -o '"status":"Up"' | wc -l || true
}

print_tail() {
  local log
  log="$(node_dir "$1")/node.log"
  echo "--- node $1: last lines of $log" >&2
  tail -n 30 "$log" >&2 2>/dev/null || true
}

random_secret() {
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# ---- verbs

start() {
  command -v java >/dev/null || die "java is not on the PATH (Taskforce needs Java 17+)"
  command -v curl >/dev/null || die "curl is not on the PATH (it is how this script sees the nodes)"
  for ((i = 0; i < count; i++)); do
    if [[ -n "$(node_pid "$i")" ]]; then
      die "node $i is already running (pid $(node_pid "$i")); cluster.sh stop first"
    fi
  done

  # The database.
  local db_url="${TASKFORCE_DB_URL:-}"
  local db_user="${TASKFORCE_DB_USER:-postgres}"
  if [[ -z "$db_url" ]]; then
    db_url="jdbc:postgresql://127.0.0.1:5432/$db_name"
    if $create_db; then
      command -v psql >/dev/null || die "--create-db needs psql on the PATH"
      if [[ "$(psql -h 127.0.0.1 -U "$db_user" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'")" != 1 ]]; then
        psql -h 127.0.0.1 -U "$db_user" -d postgres -qc "CREATE DATABASE $db_name" >/dev/null
        echo "created database $db_name"
      fi
    fi
  elif $create_db; then
    echo "cluster.sh: TASKFORCE_DB_URL is set; --create-db is ignored" >&2
  fi

  # One token and one operator login for every node (a cluster refuses to start without tokens).
  local token="${TASKFORCE_TOKEN:-}"
  if [[ -z "$token" ]]; then
    [[ -f "$dir/token" ]] || (umask 077 && random_secret >"$dir/token")
    token="$(<"$dir/token")"
  fi
  admin_user="${TASKFORCE_ADMIN_USER:-operator}"
  admin_password="${TASKFORCE_ADMIN_PASSWORD:-}"
  if [[ -z "$admin_password" ]]; then
    [[ -f "$dir/admin-password" ]] || (umask 077 && random_secret >"$dir/admin-password")
    admin_password="$(<"$dir/admin-password")"
  fi

  # Build the runnable layout once, here, rather than in N launchers at the same time.
  if ! compgen -G "$ROOT/modules/server/target/taskforce-server-*.jar" >/dev/null || [[ ! -d "$ROOT/modules/server/target/lib" ]]; then
    echo "building modules/server (mvn -B -q -DskipTests package) ..."
    (cd "$ROOT" && mvn -B -q -Dstyle.color=never -DskipTests -pl modules/server -am package)
  fi

  # Seeds: the first two nodes (one if N is 1). The first seed forms the cluster; a restarted
  # first node finds the second one still there and joins it.
  local seeds="127.0.0.1:$(remote_port 0)"
  ((count > 1)) && seeds="$seeds,127.0.0.1:$(remote_port 1)"

  (
    umask 077
    {
      printf 'nodes_started=%q\n' "$count"
      printf 'base_port=%q\n' "$base_port"
      printf 'admin_user=%q\n' "$admin_user"
      printf 'admin_password=%q\n' "$admin_password"
    } >"$dir/cluster.env"
  )
  # A node of an earlier, larger cluster in the same directory would be left out of stop.
  local stale=$count
  while [[ -d "$(node_dir "$stale")" ]]; do
    [[ -z "$(node_pid "$stale")" ]] || die "node $stale of an earlier start is still running; cluster.sh stop first"
    stale=$((stale + 1))
  done

  for ((i = 0; i < count; i++)); do
    local nd
    nd="$(node_dir "$i")"
    mkdir -p "$nd/data"
    (
      export TASKFORCE_JOURNAL=postgres
      export TASKFORCE_DB_URL="$db_url" TASKFORCE_DB_USER="$db_user" TASKFORCE_DB_PASSWORD="${TASKFORCE_DB_PASSWORD:-}"
      export TASKFORCE_SEEDS="$seeds"
      export TASKFORCE_REMOTE_HOST=127.0.0.1 TASKFORCE_REMOTE_PORT="$(remote_port "$i")"
      export TASKFORCE_HTTP_PORT="$(http_port "$i")"
      export TASKFORCE_MGMT_PORT="$(mgmt_port "$i")"
      export TASKFORCE_DATA_DIR="$nd/data"
      export TASKFORCE_TOKEN="$token"
      unset TASKFORCE_TOKENS
      export TASKFORCE_ADMIN_USER="$admin_user" TASKFORCE_ADMIN_PASSWORD="$admin_password"
      export JAVA_OPTS="${JAVA_OPTS:--Xmx256m -XX:+UseSerialGC}"
      cd "$nd"
      # A session of its own: a Ctrl-C in this terminal does not reach the nodes. exec keeps the
      # pid through setsid, nohup and the launcher (which execs java).
      exec setsid nohup "$ROOT/taskforce" server >"$nd/node.log" 2>&1 </dev/null
    ) &
    echo $! >"$nd/pid"
    echo "node $i: pid $! http://127.0.0.1:$(http_port "$i") management http://127.0.0.1:$(mgmt_port "$i") remoting $(remote_port "$i") log $nd/node.log"
  done

  # Up: every node ready (/ready on its management port) and node 0 sees N members Up.
  local deadline=$((SECONDS + timeout))
  while true; do
    local ready=0 dead=""
    for ((i = 0; i < count; i++)); do
      if [[ -z "$(node_pid "$i")" ]]; then
        dead="$dead $i"
      elif [[ "$(http_code "http://127.0.0.1:$(mgmt_port "$i")/ready")" == 200 ]]; then
        ready=$((ready + 1))
      fi
    done
    if [[ -n "$dead" ]]; then
      for i in $dead; do print_tail "$i"; done
      echo "cluster.sh: node(s)$dead exited during start-up (logs above); the others are still running: cluster.sh stop" >&2
      exit 1
    fi
    local up
    up="$(members_up 0)"
    if ((ready == count && up == count)); then
      break
    fi
    if ((SECONDS >= deadline)); then
      for ((i = 0; i < count; i++)); do print_tail "$i"; done
      echo "cluster.sh: after ${timeout}s $ready of $count nodes are ready and $up members are Up; the nodes are still running: cluster.sh stop" >&2
      exit 1
    fi
    sleep 1
  done
  echo "cluster of $count nodes is Up"
  echo "  API: http://127.0.0.1:$(http_port 0)/v1 (or any node's HTTP port)"
  if [[ -n "${TASKFORCE_TOKEN:-}" ]]; then echo "  token: TASKFORCE_TOKEN"; else echo "  token: in $dir/token"; fi
  if [[ -n "${TASKFORCE_ADMIN_PASSWORD:-}" ]]; then
    echo "  operators: user $admin_user, password from TASKFORCE_ADMIN_PASSWORD:"
  else
    echo "  operators: user $admin_user, password in $dir/admin-password:"
  fi
  echo "    curl -u $admin_user:PASSWORD http://127.0.0.1:$(mgmt_port 0)/cluster/members"
}

status() {
  load_cluster_env
  local running=0 total=0
  for i in $(recorded_nodes); do
    total=$((total + 1))
    local pid state
    pid="$(node_pid "$i")"
    if [[ -z "$pid" ]]; then
      state="stopped"
    else
      running=$((running + 1))
      if [[ "$(http_code "http://127.0.0.1:$(mgmt_port "$i")/ready")" == 200 ]]; then state="ready"; else state="not ready"; fi
    fi
    echo "node $i: ${pid:+pid $pid }$state (http $(http_port "$i"), management $(mgmt_port "$i"), remoting $(remote_port "$i"))"
  done
  for i in $(recorded_nodes); do
    if [[ -n "$(node_pid "$i")" ]]; then
      echo "members Up (as node $i sees them): $(members_up "$i")"
      break
    fi
  done
  echo "$running of $total nodes running"
  ((running == total))
}

stop() {
  load_cluster_env
  local nodes failed=0
  mapfile -t nodes < <(recorded_nodes | sort -rn)
  ((${#nodes[@]} > 0)) || die "no nodes in $dir"
  # One at a time, the last started first: each leaves and hands its entities over to the others.
  for i in "${nodes[@]}"; do
    local pid
    pid="$(node_pid "$i")"
    if [[ -z "$pid" ]]; then
      echo "node $i: not running"
      continue
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "node $i: still running ${timeout}s after SIGTERM; killed (SIGKILL)" >&2
      kill -KILL "$pid" 2>/dev/null || true
      failed=1
    else
      echo "node $i: stopped"
    fi
    rm -f "$(node_dir "$i")/pid"
  done
  return $failed
}

case "$verb" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
