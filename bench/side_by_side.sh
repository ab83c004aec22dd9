#!/usr/bin/env bash
# The start-up benches of this tree and of an earlier commit, one after the other, in one run:
#
#     bash bench/side_by_side.sh REV [RUNS]
#
# REV is checked out in a git worktree beside this one with a venv of its own (kept between
# calls, under ${SIDE_BY_SIDE_DIR:-/tmp/service-creator-before}); each tree runs its own copy
# of bench/startup.py, bench/lsp.py and bench/mcp.py, each of which times ours against a bare
# baseline in the same run. Compare the ratios, not the milliseconds.
set -euo pipefail
rev=${1:?usage: bench/side_by_side.sh REV [RUNS]}
runs=${2:-15}
here=$(cd "$(dirname "$0")/.." && pwd)
there=${SIDE_BY_SIDE_DIR:-/tmp/service-creator-before}

if [ ! -d "$there" ]; then
    git -C "$here" worktree add --detach -q "$there" "$rev"
    python3 -m venv "$there/.venv"
    "$there/.venv/bin/pip" install -q -e "$there[test]"
fi
git -C "$there" checkout -q --detach "$rev"

for bench in "startup.py --runs $runs" "lsp.py --runs $runs --sandbox-runs 0" "mcp.py --runs $runs"; do
    for tree in "$there" "$here"; do
        echo "=== $(git -C "$tree" rev-parse --short HEAD) ($tree): bench/$bench"
        (cd "$tree" && .venv/bin/python bench/$bench)
    done
done
