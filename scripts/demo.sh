#!/usr/bin/env bash
# The main job on embedded defaults (SQLite, in-process worker, no external service):
# import the seed thread, score it in the background, serve the moderation queue.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"

modsvc db upgrade
modsvc import seeds/ || [ $? -eq 1 ]   # exit 1 = some records rejected: the rest is in, keep going
if ! modsvc users list 2>/dev/null | grep -q '^admin\b'; then
    password=${MODSVC_ADMIN_PASSWORD:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')}
    printf '%s\n' "$password" | modsvc users create admin --role admin
    echo "created reviewer login: admin / $password"
fi
exec modsvc serve --host "${MODSVC_HOST:-127.0.0.1}" --port "${MODSVC_PORT:-8000}"
