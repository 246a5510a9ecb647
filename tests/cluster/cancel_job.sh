#!/usr/bin/env bash
# A job cancelled on the cluster must end the run, not hang it:
#
#   tests/cluster/cancel_job.sh [WORKDIR] [-- SNAKEMAKE_ARGS...]
#
# 1. starts the tiny study (tests/cluster/tiny.yaml) through profiles/slurm in
#    WORKDIR/slurm, SNAKEMAKE_ARGS added to the command line;
# 2. waits until a job of rule $RULE (default: represent) runs, and `scancel`s it;
# 3. waits at most $CANCEL_TIMEOUT seconds (default 600) for Snakemake to end: it must end
#    with an error naming the cancelled job. If it is still running then, it is stopped
#    (SIGINT, SIGTERM, then SIGKILL: a hung run ignores the first two) and the check fails.
#
# Exit status 0 only when the run ended, unsuccessfully, reporting the cancelled job as
# failed. With plugin 2.8.0 and its default status command, sacct, the run hangs: sacct
# reports `CANCELLED by <uid>`, which the plugin takes for a running job (docs/cluster.md);
# `-- --slurm-status-command sacct` shows that. The profile asks squeue instead.
#
# Needs what run_workflow.sh needs (tests/cluster/setup_slurm.sh). WORKDIR defaults to a
# new temporary directory; it must not exist yet or be empty.
#
# Environment (optional): VENV (default: .venv of the repository), RULE (default:
# represent), CANCEL_TIMEOUT (seconds, default 600), START_TIMEOUT (seconds to wait for a
# running job of RULE, default 900).

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=${VENV:-$REPO/.venv}
RULE=${RULE:-represent}
CANCEL_TIMEOUT=${CANCEL_TIMEOUT:-600}
START_TIMEOUT=${START_TIMEOUT:-900}
CONFIG=tests/cluster/tiny.yaml

say() { printf '[cancel_job] %s\n' "$*"; }
die() { printf '[cancel_job] ERROR: %s\n' "$*" >&2; exit 1; }

WORK=""
if [ $# -gt 0 ] && [ "$1" != -- ]; then
    WORK=$1
    shift
fi
if [ $# -gt 0 ]; then
    [ "$1" = -- ] || die "usage: $0 [WORKDIR] [-- SNAKEMAKE_ARGS...]"
    shift
fi
extra=("$@")

cd "$REPO"
for tool in sbatch squeue scancel sacct; do
    command -v $tool >/dev/null || die "$tool not found: no Slurm here (tests/cluster/setup_slurm.sh makes one)"
done
[ -x "$VENV/bin/snakemake" ] || die "no snakemake in $VENV (set VENV)"
"$VENV/bin/python" -c "import snakemake_executor_plugin_slurm" 2>/dev/null ||
    die "snakemake-executor-plugin-slurm is not installed in $VENV (pip install -e '.[slurm]')"
versions=$("$VENV/bin/python" - <<'EOF'
from importlib.metadata import version
print(", ".join(f"{p} {version(p)}" for p in ("snakemake", "snakemake-executor-plugin-slurm")))
EOF
)
say "$versions; $(sinfo -V); $(scontrol show config | sed -n 's/^MinJobAge *= */MinJobAge /p')"

WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/descriptor-cancel.XXXXXX")}
mkdir -p "$WORK"
[ -z "$(ls -A "$WORK")" ] || die "$WORK is not empty"
WORK=$(cd "$WORK" && pwd)
LOG=$WORK/slurm.log

cmd=("$VENV/bin/snakemake" --profile profiles/slurm --configfile "$CONFIG" --directory "$WORK/slurm" "${extra[@]}")
say "\$ ${cmd[*]#"$REPO/"}"
"${cmd[@]}" >"$LOG" 2>&1 &
pid=$!
run_id=""
# stop the run and its jobs if this script ends early
cleanup() {
    kill -KILL "$pid" 2>/dev/null || true
    [ -z "$run_id" ] || scancel --name="$run_id" 2>/dev/null || true
}
trap cleanup EXIT

alive() { kill -0 "$pid" 2>/dev/null; }

# ------------------------------------------------------------------------------------------
# a running job of $RULE, cancelled
# ------------------------------------------------------------------------------------------
job=""
t0=$(date +%s)
while [ -z "$job" ]; do
    alive || { tail -n 30 "$LOG"; die "snakemake ended before a job of rule $RULE ran"; }
    [ $(($(date +%s) - t0)) -lt "$START_TIMEOUT" ] || die "no job of rule $RULE ran within $START_TIMEOUT s"
    sleep 1
    [ -n "$run_id" ] || run_id=$(sed -n 's/.*SLURM run ID: \([^ ]*\).*/\1/p' "$LOG" | head -n 1)
    [ -n "$run_id" ] || continue
    # the plugin writes rule and wildcards into the job comment: rule_<rule>_wildcards_...
    job=$(squeue -h --name="$run_id" -t RUNNING -o '%i|%k' |
        awk -F'|' -v p="rule_${RULE}_" 'index($2, p) == 1 {print $1; exit}')
done
scancel "$job"
t_cancel=$(date +%s)
say "run $run_id: scancel $job ($(squeue -h -j "$job" -o %k 2>/dev/null || echo "rule $RULE")) $((t_cancel - t0)) s after the start"
state=""
for _ in $(seq 1 30); do
    state=$(sacct -X -n -P -j "$job" -o State 2>/dev/null | head -n 1)
    case "$state" in CANCELLED*) break ;; esac
    sleep 1
done
say "sacct -X -n -P -j $job -o State: ${state:-nothing}"

# ------------------------------------------------------------------------------------------
# the run must end
# ------------------------------------------------------------------------------------------
empty_since=""
while alive && [ $(($(date +%s) - t_cancel)) -lt "$CANCEL_TIMEOUT" ]; do
    sleep 5
    if [ -z "$(squeue -h --name="$run_id" -t PENDING,RUNNING,COMPLETING -o %i 2>/dev/null)" ]; then
        empty_since=${empty_since:-$(date +%s)}
    else
        empty_since=""
    fi
done
if alive; then
    now=$(date +%s)
    say "snakemake is still running $((now - t_cancel)) s after the scancel;" \
        "no job of the run queued or running for $((now - ${empty_since:-$now})) s. Last lines of its log:"
    tail -n 8 "$LOG"
    # a hung run ignores SIGINT and SIGTERM ("Will exit after finishing currently running
    # jobs"): it waits for the cancelled job
    for sig in INT TERM KILL; do
        say "stopping it (SIG$sig)"
        kill -$sig $pid 2>/dev/null || true
        for _ in $(seq 1 30); do alive || break 2; sleep 1; done
    done
    cleanup
    trap - EXIT
    die "the run hangs: the cancelled job $job ($state) was never reported (log: $LOG)"
fi
trap - EXIT
status=0
wait $pid || status=$?
say "snakemake ended $(($(date +%s) - t_cancel)) s after the scancel, exit status $status"
grep -E "SLURM-job '$job' failed|Error in rule $RULE|steps \([0-9]+%\) done|Exiting because" "$LOG" | tail -n 6 || true
[ $status != 0 ] || die "snakemake succeeded although job $job was cancelled (log: $LOG)"
grep -q "SLURM-job '$job' failed" "$LOG" || die "the log does not report job $job as failed (log: $LOG)"
left=$(squeue -h --name="$run_id" -o %i | wc -l)
[ "$left" -eq 0 ] || die "$left jobs of run $run_id are still in the queue"
say "the cancelled job was reported failed and the run ended (work directory: $WORK)"
