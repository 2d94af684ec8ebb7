#!/usr/bin/env bash
# A/B of the working tree against a baseline commit, in one bench run (same broker, alternating):
#   bench/ab.sh [REF] [bench/run.ts args...]
# REF defaults to origin/main when it exists, else HEAD~1; a directory is used as the baseline
# checkout as it is (dist/ already built; nothing created or removed). Otherwise REF is checked out
# with `git worktree add --detach` into a temporary directory, `npm ci` and `npm run build` run
# there, the bench runs with --baseline on it, and the worktree is removed afterwards.
# Defaults (any of them overridden by the same option among the args; the last one wins):
#   --workloads w1-100B-p1,w1-100B-p8
#   --contenders sluice-callback,sluice-promise,sluice-callback@base,sluice-promise@base
#   --out ab-<REF's short commit>-<quick|full>
# Examples:
#   bench/ab.sh HEAD~3 --quick --reps 3
#   bench/ab.sh 46e5d93            # full-size workload 1, 3 repetitions
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

ref=""
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  ref=$1
  shift
fi
if [ -z "$ref" ]; then
  if git rev-parse --verify -q origin/main >/dev/null; then ref=origin/main; else ref=HEAD~1; fi
fi

mode=full
for a in "$@"; do [ "$a" = "--quick" ] && mode=quick; done

tmp=""
cleanup() {
  if [ -n "$tmp" ]; then
    echo "ab: removing the baseline worktree $tmp/base" >&2
    git -C "$root" worktree remove --force "$tmp/base" 2>/dev/null || true
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -d "$ref" ]; then
  base=$(cd "$ref" && pwd)
  label=$(git -C "$base" rev-parse --short HEAD 2>/dev/null || basename "$base")
else
  commit=$(git rev-parse --verify -q "$ref^{commit}") || {
    echo "ab: '$ref' is neither a commit nor a directory" >&2
    exit 2
  }
  label=$(git rev-parse --short "$commit")
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-ab.XXXXXX")
  base=$tmp/base
  echo "ab: baseline $ref ($label) in $base" >&2
  git worktree add --detach "$base" "$commit" >&2
  (cd "$base" && npm ci --no-audit --no-fund && npm run build) >&2
fi

node --import tsx bench/run.ts \
  --workloads w1-100B-p1,w1-100B-p8 \
  --contenders sluice-callback,sluice-promise,sluice-callback@base,sluice-promise@base \
  --out "ab-$label-$mode" \
  "$@" \
  --baseline "$base"
