#!/usr/bin/env bash
# Install the third-party MCP clients the interop tests drive, into a cache directory:
#   $INDICATE_INTEROP_CACHE (default: <repo>/.cache/interop)
#     node22/   node@22 from the npm registry (Inspector 2.x and the conformance suite need Node 22)
#     npm/      tests/interop/package.json + package-lock.json, installed with `npm ci`
#     venv-langchain/, venv-openai-agents/   one Python venv per framework (their mcp pins clash)
# Idempotent: each part is skipped when its stamp matches the inputs it was built from.
# Without node/npm it installs only the Python venvs; the Node tests then skip with a reason.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${INDICATE_INTEROP_CACHE:-$root/.cache/interop}
python=${INDICATE_INTEROP_PYTHON:-python3}
mkdir -p "$cache"

stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
fresh() { [ -f "$1/.stamp" ] && [ "$(cat "$1/.stamp")" = "$2" ]; }

npm_part() {  # npm_part DIR SOURCE_DIR [PATH_PREFIX]
  local dir=$1 src=$2 prefix=${3:-} stamp
  stamp=$(stamp_of "$src/package.json" "$src/package-lock.json")
  if fresh "$dir" "$stamp"; then
    echo "interop: $dir is up to date"
    return
  fi
  echo "interop: installing $(basename "$dir") into $dir"
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  (cd "$dir" && PATH="$prefix$PATH" npm ci --no-audit --no-fund --loglevel=error)
  echo "$stamp" > "$dir/.stamp"
}

venv_part() {  # venv_part DIR REQUIREMENTS
  local dir=$1 req=$2 stamp
  stamp=$(stamp_of "$req" <(echo "$("$python" --version 2>&1)"))
  if fresh "$dir" "$stamp"; then
    echo "interop: $dir is up to date"
    return
  fi
  echo "interop: creating $dir"
  rm -rf "$dir"
  "$python" -m venv "$dir"
  # This machine's pip config names a local index folder that may be absent; drop that noise.
  "$dir/bin/pip" install -q --disable-pip-version-check -r "$req" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$stamp" > "$dir/.stamp"
}

if command -v node >/dev/null && command -v npm >/dev/null; then
  npm_part "$cache/node22" "$here/node22"
  # Install with Node 22 first on PATH, so npm resolves for the Node that will run them.
  npm_part "$cache/npm" "$here" "$cache/node22/node_modules/.bin:"
else
  echo "interop: node/npm not found; Node-based interop tests will skip"
fi

venv_part "$cache/venv-langchain" "$here/requirements-langchain.txt"
venv_part "$cache/venv-openai-agents" "$here/requirements-openai-agents.txt"
echo "interop: ready in $cache"
