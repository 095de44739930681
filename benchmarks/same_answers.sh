#!/usr/bin/env bash
# Do two versions of the code print the same answers? Runs the same commands with --json on
# the same index through this checkout and through REV (checked out in a temporary worktree),
# and names every command whose output differs by a byte. For refactors: the answers of
# `ask`, `related`, `compare`, `sources`, `show` and `check` must not move.
#
#   benchmarks/same_answers.sh REV [INDEX]    (INDEX default: the sample corpus, indexed now)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REV="$1"
PY="$ROOT/.venv/bin/python"
WORK="$(mktemp -d)"
trap 'git -C "$ROOT" worktree remove --force "$WORK/old" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
git -C "$ROOT" worktree add -q --detach "$WORK/old" "$REV"
IDX="${2:-$WORK/index}"
if [ -z "${2:-}" ]; then
  (cd "$ROOT" && "$PY" -m parallax index "$ROOT/../shared/corpus/china-us" --index "$IDX" >/dev/null 2>&1)
fi
run() { local root=$1; shift; (cd "$root" && PYTHONPATH="$root" "$PY" -m parallax "$@" --index "$IDX" --json 2>/dev/null) || true; }
PID=$(run "$ROOT" ask "What did China say about Taiwan?" -k 1 \
      | "$PY" -c "import json,sys; print(json.load(sys.stdin)['results'][0]['passage_id'])")
n=0; bad=0
while IFS= read -r line; do
  eval "set -- $line"
  a=$(run "$WORK/old" "$@" | md5sum); b=$(run "$ROOT" "$@" | md5sum); n=$((n+1))
  if [ "$a" != "$b" ]; then bad=$((bad+1)); echo "differs: parallax $line"; fi
done <<LIST
ask "What did China say about Taiwan?"
ask "trade and the economy" --mode dense --since 2017 --until 2021-06 --author wang
ask Taiwan -k 3 --mode lexical
ask "What did China say about Taiwan?" --by-document --per-document 2 -k 3
ask "What did China say about Taiwan?" --source "00[12]_*" -k 2
related $PID
related $PID --other-sources
related --text "Both sides should respect each other's core interests."
compare "the Taiwan question"
compare trade --by year --passages 1 --mode lexical
compare Taiwan --claim "China opposes Taiwan independence" --claim "Trade between the two countries is mutually beneficial"
compare "the coronavirus pandemic" --by author
sources
show $PID --context 1
check
LIST
echo "$n commands, $bad differ ($REV against this checkout)"
[ "$bad" = 0 ]
