#!/usr/bin/env bash
# First run on a new machine: installs what is missing, prepares Postgres, Redis and .env,
# migrates, then starts the whole platform in the foreground (`pnpm stack`; Ctrl-C stops it).
# Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/local-services.sh

random_base64() { node -p "require('node:crypto').randomBytes($1).toString('base64')"; }

# Secrets are generated once; an existing .env is never overwritten.
write_env_file() {
  [ -f .env ] && return
  log 'writing .env with generated secrets'
  umask 077
  cat >.env <<ENV
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/autoposter}
REDIS_URL=${REDIS_URL:-$DEFAULT_REDIS_URL}
JWT_SECRET=$(random_base64 48)
SECRETS_KEYS=v1=$(random_base64 32)
MEDIA_URL_SECRET=$(random_base64 32)
# Sandbox: \`pnpm stack\` starts fake Facebook and Graph API servers and points every provider
# URL at them, so nothing is published for real. To publish for real, set SANDBOX=false.
SANDBOX=true
# Password of the sandbox user (sandbox@autoposter.local) that \`pnpm stack\` signs in.
SANDBOX_PASSWORD=$(random_base64 18 | tr -d '/+=')
# Used by compose.yaml only (the password of its Postgres container).
POSTGRES_PASSWORD=$(random_base64 24 | tr -d '/+=')
ENV
}

# A variable exported in the shell wins over .env, as with node --env-file.
env_file_value() { sed -n "s/^$1=//p" .env | tail -n 1; }

ensure_pnpm
install_dependencies
ensure_postgres
ensure_redis
write_env_file
ensure_databases "${DATABASE_URL:-$(env_file_value DATABASE_URL)}" "$DEFAULT_TEST_DATABASE_URL"
pnpm db:migrate
log 'building the dashboard (served at /)'
pnpm --filter @autoposter/web build >/dev/null
# The marketplace worker drives Chromium; elsewhere than Debian, set CHROMIUM_PATH in .env.
if command -v apt-get >/dev/null 2>&1; then ensure_chromium; fi
log 'starting every service (Ctrl-C stops them all)'
exec pnpm stack
