#!/usr/bin/env bash
# Make a native PostgreSQL (with the pgvector extension) ready for the integration and e2e tests.
#
#   bash scripts/provision-postgres.sh
#
# Idempotent; run as root on a Debian machine with a PostgreSQL cluster installed (postgresql-common).
#  1. Starts the cluster if nothing accepts connections on 127.0.0.1:5432.
#  2. If the server has no `vector` extension available: installs postgresql-<ver>-pgvector when this
#     machine's apt sources carry it (Debian 13+), otherwise builds pgvector from Debian 13 ("trixie")'s
#     source package against postgresql-server-dev-<ver>. The source is fetched through a PRIVATE apt
#     configuration (own sources, lists and cache in a temp dir) whose single deb-src entry is derived at
#     run time from the machine's own /etc/apt/sources.list.d/debian.sources; the machine's apt setup is
#     left untouched.
#  3. Creates the database (default ingestion_test) and `create extension if not exists vector` in it.
#
# Progress goes to stderr; the LAST line on stdout is the connection URL to use as TEST_DATABASE_URL, so
#   TEST_DATABASE_URL="$(bash scripts/provision-postgres.sh | tail -n 1)"
# works. Command output (apt, make) goes to a log file that is printed only when something fails.
#
# Environment (all optional):
#   PG_VERSION      major version to start/build against (default: the running server's, else the
#                   highest one under /etc/postgresql)
#   PG_CLUSTER      cluster name for pg_ctlcluster (default: main)
#   PG_HOST/PG_PORT where to connect (default: 127.0.0.1 / 5432)
#   PG_USER         role to connect as (default: first of postgres, root that works over TCP)
#   TEST_DB_NAME    database to create (default: ingestion_test)
#   PGVECTOR_SUITE  Debian suite whose pgvector source package is built (default: trixie)
set -Eeuo pipefail

PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
PG_CLUSTER="${PG_CLUSTER:-main}"
TEST_DB_NAME="${TEST_DB_NAME:-ingestion_test}"
PGVECTOR_SUITE="${PGVECTOR_SUITE:-trixie}"
export DEBIAN_FRONTEND=noninteractive
export PGCONNECT_TIMEOUT=5

me="provision-postgres"
LOG="$(mktemp "${TMPDIR:-/tmp}/${me}.XXXXXX.log")"
WORK=""

say() { echo "[$me] $*" >&2; }

die() {
  # a die inside a $(...) subshell has already reported; the parent's ERR trap then just exits
  if [[ "${1:-}" == --from-trap && -e "$LOG.died" ]]; then exit 1; fi
  if [[ "${1:-}" == --from-trap ]]; then shift; fi
  : >"$LOG.died"
  echo "[$me] ERROR: $*" >&2
  if [[ -s "$LOG" ]]; then
    echo "[$me] ---- last 100 lines of $LOG ----" >&2
    tail -n 100 "$LOG" >&2
    echo "[$me] ---- end of log (full log kept at $LOG) ----" >&2
  fi
  exit 1
}

cleanup() {
  local rc=$?
  trap - ERR
  if [[ -n "$WORK" && -d "$WORK" ]]; then rm -rf "$WORK"; fi
  rm -f "$LOG.died"
  if [[ $rc -eq 0 ]]; then rm -f "$LOG"; fi   # keep the log only when something failed
  exit "$rc"
}
trap cleanup EXIT
trap 'die --from-trap "unexpected failure (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

# run DESCRIPTION CMD...: run CMD with its output appended to the log; fail loudly with the log if it fails.
run() {
  local what="$1"; shift
  echo "+ $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || die "$what failed (command: $*)"
}

[[ $EUID -eq 0 ]] || die "must run as root (it may start PostgreSQL and install packages)"
for tool in pg_isready psql; do
  command -v "$tool" >/dev/null || die "'$tool' not found: install postgresql-client (and a postgresql server)"
done

# ---------------------------------------------------------------- 1. server up
installed_version() {
  # highest major version with a cluster config under /etc/postgresql
  local v
  v="$(find /etc/postgresql -mindepth 2 -maxdepth 2 -type d -name "$PG_CLUSTER" 2>/dev/null \
        | awk -F/ '{print $4}' | sort -V | tail -n 1)"
  [[ -n "$v" ]] || die "no PostgreSQL cluster '$PG_CLUSTER' under /etc/postgresql (is the postgresql package installed?)"
  echo "$v"
}

if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
  say "PostgreSQL is accepting connections on $PG_HOST:$PG_PORT"
else
  start_ver="${PG_VERSION:-$(installed_version)}"
  say "PostgreSQL not ready on $PG_HOST:$PG_PORT: starting cluster $start_ver/$PG_CLUSTER"
  command -v pg_ctlcluster >/dev/null || die "pg_ctlcluster not found (postgresql-common missing)"
  run "starting PostgreSQL $start_ver/$PG_CLUSTER" \
    pg_ctlcluster --skip-systemctl-redirect "$start_ver" "$PG_CLUSTER" start
  for _ in $(seq 1 60); do
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break
    sleep 1
  done
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" \
    || die "PostgreSQL $start_ver/$PG_CLUSTER started but is not accepting connections on $PG_HOST:$PG_PORT after 60 s (see /var/log/postgresql/postgresql-$start_ver-$PG_CLUSTER.log)"
  say "PostgreSQL $start_ver/$PG_CLUSTER is up"
fi

# ---------------------------------------------------------------- which role works over TCP
url_for() { echo "postgres://$1@$PG_HOST:$PG_PORT/$2"; }
# q DB SQL: one query over TCP as $PG_USER, unaligned tuples-only output, never prompts for a password
q() { psql -w -X -q -v ON_ERROR_STOP=1 -At "$(url_for "$PG_USER" "$1")" -c "$2"; }

if [[ -z "${PG_USER:-}" ]]; then
  for candidate in postgres root; do
    if [[ "$(psql -w -X -At "$(url_for "$candidate" template1)" \
               -c 'select rolsuper from pg_roles where rolname = current_user' 2>>"$LOG")" == "t" ]]; then
      PG_USER="$candidate"
      break
    fi
  done
  [[ -n "${PG_USER:-}" ]] || die "no superuser role (tried postgres, root) can connect to $PG_HOST:$PG_PORT without a password; set PG_USER or allow trust auth for 127.0.0.1 in pg_hba.conf"
fi
say "connecting as role '$PG_USER'"

server_num="$(q template1 'show server_version_num')" || die "cannot query the server as '$PG_USER'"
server_major=$(( server_num / 10000 ))
PG_VERSION="${PG_VERSION:-$server_major}"
[[ "$PG_VERSION" == "$server_major" ]] \
  || die "PG_VERSION=$PG_VERSION but the server on $PG_HOST:$PG_PORT is version $server_major"
PG_CONFIG="/usr/lib/postgresql/$PG_VERSION/bin/pg_config"

vector_available() {
  [[ "$(q template1 "select 1 from pg_available_extensions where name = 'vector'")" == "1" ]]
}

# ---------------------------------------------------------------- 2. pgvector
# Prints "URI<TAB>SIGNED-BY" of the machine's main Debian archive, read from its deb822 sources file.
debian_archive_source() {
  local file=/etc/apt/sources.list.d/debian.sources codename
  [[ -r "$file" ]] || die "$file not found: cannot derive a deb-src entry for '$PGVECTOR_SUITE'"
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  # deb822: stanzas separated by blank lines; field names are case-insensitive. Prefer the enabled stanza
  # whose Suites include this release's codename (the main archive, not -security/-updates).
  awk -v codename="$codename" '
    function flush() {
      if (uri != "" && enabled) {
        if (first == "") first = uri "\t" key
        if (preferred == "" && codename != "" && (" " suites " ") ~ (" " codename " ")) preferred = uri "\t" key
      }
      uri = ""; key = ""; suites = ""; enabled = 1
    }
    BEGIN { enabled = 1 }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    { field = tolower($1) }
    field == "uris:"      { uri = $2; next }
    field == "suites:"    { sub(/^[^:]*:[ \t]*/, ""); suites = $0; next }
    field == "signed-by:" { sub(/^[^:]*:[ \t]*/, ""); key = $0; next }
    field == "enabled:"   { if (tolower($2) == "no") enabled = 0; next }
    END { flush(); if (preferred != "") print preferred; else if (first != "") print first }
  ' "$file"
}

build_pgvector_from_source() {
  local src uri key apt_dir build_dir dsc srcdir
  src="$(debian_archive_source)"
  uri="${src%%$'\t'*}"
  key="${src#*$'\t'}"
  [[ -n "$uri" ]] || die "no usable URIs entry in /etc/apt/sources.list.d/debian.sources"
  [[ -z "$key" || -r "$key" ]] || die "Signed-By '$key' in debian.sources is not a readable key file"

  WORK="$(mktemp -d "${TMPDIR:-/tmp}/${me}.XXXXXX")"
  chmod 755 "$WORK"   # apt's download sandbox user (_apt) must reach the private lists and the build dir
  apt_dir="$WORK/apt"
  build_dir="$WORK/build"
  mkdir -p "$apt_dir/etc/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$build_dir"
  : >"$apt_dir/etc/sources.list"
  {
    echo "Types: deb-src"
    echo "URIs: $uri"
    echo "Suites: $PGVECTOR_SUITE"
    echo "Components: main"
    [[ -n "$key" ]] && echo "Signed-By: $key"
  } >"$apt_dir/etc/sources.list.d/pgvector-src.sources"
  chmod -R a+rX "$WORK"
  echo "private apt source:" >>"$LOG"; cat "$apt_dir/etc/sources.list.d/pgvector-src.sources" >>"$LOG"

  local -a private_apt=(
    -o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
    -o "Dir::Etc::SourceParts=$apt_dir/etc/sources.list.d"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache"
    -o "Acquire::Languages=none"
  )
  say "fetching the pgvector source package of Debian '$PGVECTOR_SUITE' (private apt config in $apt_dir)"
  run "apt-get update of the private '$PGVECTOR_SUITE' deb-src list" apt-get -q "${private_apt[@]}" update
  cd "$build_dir"   # apt-get source downloads into the current directory
  run "downloading the pgvector source package" apt-get -q "${private_apt[@]}" source --download-only pgvector
  cd - >/dev/null
  dsc="$(find "$build_dir" -maxdepth 1 -name 'pgvector_*.dsc' | head -n 1)"
  [[ -n "$dsc" ]] || die "apt-get source gave no pgvector_*.dsc in $build_dir"
  say "building $(basename "$dsc" .dsc) against PostgreSQL $PG_VERSION"
  run "unpacking $dsc" dpkg-source -x "$dsc" "$build_dir/pgvector"
  srcdir="$build_dir/pgvector"
  run "building pgvector" make -C "$srcdir" -j"$(nproc)" PG_CONFIG="$PG_CONFIG"
  run "installing pgvector" make -C "$srcdir" install PG_CONFIG="$PG_CONFIG"
}

if vector_available; then
  say "pgvector is available to PostgreSQL $PG_VERSION: nothing to build"
else
  say "pgvector is not available to PostgreSQL $PG_VERSION: installing it"
  command -v apt-get >/dev/null || die "apt-get not found: install pgvector for PostgreSQL $PG_VERSION by hand"
  run "apt-get update" apt-get -q update
  # Debian 13+ ships it prebuilt; older releases (12 "bookworm") need the source build below.
  candidate="$(apt-cache policy "postgresql-$PG_VERSION-pgvector" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  if [[ -n "$candidate" && "$candidate" != "(none)" ]]; then
    say "installing postgresql-$PG_VERSION-pgvector $candidate from the machine's apt sources"
    run "installing postgresql-$PG_VERSION-pgvector" \
      apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends "postgresql-$PG_VERSION-pgvector"
  else
    say "installing build dependencies (postgresql-server-dev-$PG_VERSION, build-essential, dpkg-dev)"
    run "installing build dependencies" \
      apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends \
        "postgresql-server-dev-$PG_VERSION" build-essential make gcc dpkg-dev
    [[ -x "$PG_CONFIG" ]] || die "$PG_CONFIG missing after installing postgresql-server-dev-$PG_VERSION"
    started=$SECONDS
    build_pgvector_from_source
    say "pgvector built and installed in $(( SECONDS - started )) s"
  fi
  vector_available || die "pgvector was installed but PostgreSQL $PG_VERSION still does not list the 'vector' extension (check $PG_CONFIG --sharedir)"
fi

# ---------------------------------------------------------------- 3. test database
if [[ "$(q template1 "select 1 from pg_database where datname = '$TEST_DB_NAME'")" != "1" ]]; then
  say "creating database $TEST_DB_NAME (owner $PG_USER)"
  q template1 "create database \"$TEST_DB_NAME\" owner \"$PG_USER\"" >/dev/null \
    || die "could not create database $TEST_DB_NAME"
fi
q "$TEST_DB_NAME" 'create extension if not exists vector' >/dev/null 2>>"$LOG" \
  || die "could not create the vector extension in $TEST_DB_NAME"
version="$(q "$TEST_DB_NAME" "select extversion from pg_extension where extname = 'vector'")"
say "pgvector $version is installed in database $TEST_DB_NAME"
if [[ "$(printf '%s\n' "$version" 0.8.2 | sort -V | head -n 1)" != 0.8.2 ]]; then
  say "note: pgvector $version < 0.8.2 has CVE-2026-3172 (parallel HNSW builds): build HNSW indexes with max_parallel_maintenance_workers = 0"
fi

URL="$(url_for "$PG_USER" "$TEST_DB_NAME")"
[[ "$(psql -w -X -At "$URL" -c "select '[1,2,3]'::vector <-> '[1,2,4]'::vector")" == "1" ]] \
  || die "smoke query through $URL failed"
say "ready: TEST_DATABASE_URL=$URL"
echo "$URL"
