# Shared by scripts/setup.sh and .ci/run (source it from the repository root).
# Makes pnpm, the dependencies, Postgres and Redis available on a Debian-like machine.

DEFAULT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
DEFAULT_REDIS_URL=redis://127.0.0.1:6379

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs "$@" until it succeeds, for at most $1 seconds.
wait_until() {
  local seconds=$1
  shift
  for ((i = 0; i < seconds; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

pinned_pnpm_version() {
  node -p 'require("./package.json").packageManager.replace(/^pnpm@/, "")'
}

ensure_pnpm() {
  command -v pnpm >/dev/null 2>&1 && return
  local version
  version=$(pinned_pnpm_version)
  log "installing pnpm $version"
  npm install -g --silent "pnpm@$version"
}

install_dependencies() {
  log 'installing dependencies'
  pnpm install --frozen-lockfile --reporter=append-only
}

# Debian's Chromium, which the marketplace worker drives: Playwright's own browser download cannot work here.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return
  if [ "$(id -u)" != 0 ]; then
    log 'Chromium is missing: run "sudo apt-get install chromium", or set CHROMIUM_PATH to a Chromium'
    return
  fi
  log 'installing Debian chromium'
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
}

postgres_answers() { pg_isready -q -h 127.0.0.1 -p 5432; }

ensure_postgres() {
  postgres_answers && return
  log 'starting Postgres'
  command -v pg_ctlcluster >/dev/null 2>&1 || die 'Postgres is not answering on 127.0.0.1:5432; start it (Postgres 16) and rerun'
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_until 30 postgres_answers || die 'Postgres did not answer on 127.0.0.1:5432 within 30 s'
}

redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

ensure_redis() {
  if ! redis_answers; then
    log 'starting Redis'
    command -v redis-server >/dev/null 2>&1 || die 'Redis is not answering on 127.0.0.1:6379; start it (Redis 7) and rerun'
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_until 30 redis_answers || die 'Redis did not answer on 127.0.0.1:6379 within 30 s'
  fi
  # BullMQ loses jobs if Redis evicts keys under memory pressure.
  redis-cli -h 127.0.0.1 -p 6379 config set maxmemory-policy noeviction >/dev/null
}

# Creates the databases named by the given postgres:// URLs if they are missing.
ensure_databases() {
  pnpm exec tsx scripts/create-databases.ts "$@"
}
