#!/usr/bin/env bash
# Generates the Prisma client offline. Prisma 7's client needs no native engine, but `prisma generate` still
# looks for the native schema engine and tries to download it; any executable satisfies that lookup.
set -euo pipefail
cd "$(dirname "$0")/.."
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/true}"
export CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
npx --no-install prisma generate >/dev/null
