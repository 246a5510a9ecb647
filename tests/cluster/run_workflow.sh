#!/usr/bin/env bash
# The tiny study (tests/cluster/tiny.yaml) through the repository's Slurm profile, checked:
#
#   tests/cluster/run_workflow.sh [WORKDIR]
#
# 1. installs snakemake-executor-plugin-slurm into the project's virtual environment when
#    it is missing (the version below: the one this was run with);
# 2. runs `snakemake --profile profiles/slurm --configfile tests/cluster/tiny.yaml
#    --directory WORKDIR/slurm` from the repository;
# 3. checks with `sacct` that every job the run submitted ended COMPLETED;
# 4. runs the same study locally (`--cores 2`, WORKDIR/local) and compares every CSV of
#    results/ byte for byte, naming any that differ.
#
# Needs a Slurm cluster with accounting and a `compute` partition (tests/cluster/
# setup_slurm.sh makes one on this machine). Exit status 0 only when every job COMPLETED
# and every CSV equals the local run's. WORKDIR defaults to a new temporary directory;
# it must not exist yet or be empty.
#
# Environment (optional): VENV (default: .venv of the repository), SLURM_PARTITION
# (default: compute), LOCAL_CORES (default: 2).

set -euo pipefail

PLUGIN_VERSION=2.8.0
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=${VENV:-$REPO/.venv}
PARTITION=${SLURM_PARTITION:-compute}
LOCAL_CORES=${LOCAL_CORES:-2}
CONFIG=tests/cluster/tiny.yaml

say() { printf '[run_workflow] %s\n' "$*"; }
die() { printf '[run_workflow] ERROR: %s\n' "$*" >&2; exit 1; }

cd "$REPO"
for tool in sbatch sacct sinfo; do
    command -v $tool >/dev/null || die "$tool not found: no Slurm here (tests/cluster/setup_slurm.sh makes one)"
done
[ -x "$VENV/bin/snakemake" ] || die "no snakemake in $VENV (set VENV)"
[ -n "$(sinfo -h -p "$PARTITION" -o %P 2>/dev/null)" ] || die "no partition '$PARTITION' (sinfo)"
sacct -n -X -S now >/dev/null 2>&1 || die "sacct does not answer: the cluster needs accounting (slurmdbd)"

# ------------------------------------------------------------------------------------------
# the executor plugin
# ------------------------------------------------------------------------------------------
if ! "$VENV/bin/python" -c "import snakemake_executor_plugin_slurm" 2>/dev/null; then
    say "installing snakemake-executor-plugin-slurm==$PLUGIN_VERSION"
    "$VENV/bin/python" -m pip install -q "snakemake-executor-plugin-slurm==$PLUGIN_VERSION"
fi
versions=$("$VENV/bin/python" - <<'EOF'
from importlib.metadata import version
print(", ".join(f"{p} {version(p)}" for p in ("snakemake", "snakemake-executor-plugin-slurm")))
EOF
)
say "$versions; $(sinfo -V)"

WORK=${1:-$(mktemp -d "${TMPDIR:-/tmp}/descriptor-cluster.XXXXXX")}
mkdir -p "$WORK"
[ -z "$(ls -A "$WORK")" ] || die "$WORK is not empty"
WORK=$(cd "$WORK" && pwd)
SLURM_DIR=$WORK/slurm
LOCAL_DIR=$WORK/local
mkdir -p "$SLURM_DIR" "$LOCAL_DIR"

node_mem=$(sinfo -h -p "$PARTITION" -o %m | tr -d '+' | sort -n | head -n 1)
node_cpus=$(sinfo -h -p "$PARTITION" -o %c | tr -d '+' | sort -n | head -n 1)
say "partition $PARTITION: nodes of $node_cpus CPUs, $node_mem MB"
extra=()
if [ "$node_mem" -lt 8000 ]; then
    # requests can reach 8000 MB (the rules' fixed fallbacks); cap them at what a node has
    extra+=(--resources "mem_mb=$node_mem")
fi

# ------------------------------------------------------------------------------------------
# the run through the profile
# ------------------------------------------------------------------------------------------
cmd=("$VENV/bin/snakemake" --profile profiles/slurm --configfile "$CONFIG" --directory "$SLURM_DIR" "${extra[@]}")
say "\$ ${cmd[*]#"$REPO/"}"
t0=$(date +%s)
start=$(date +%Y-%m-%dT%H:%M:%S)
status=0
"${cmd[@]}" >"$WORK/slurm.log" 2>&1 || status=$?
slurm_seconds=$(($(date +%s) - t0))
grep -E "SLURM run ID|steps \(100%\) done|^Complete log" "$WORK/slurm.log" || true
[ $status = 0 ] || { tail -n 40 "$WORK/slurm.log"; die "snakemake failed (exit $status); log: $WORK/slurm.log"; }
say "wall time through Slurm: ${slurm_seconds} s"

# ------------------------------------------------------------------------------------------
# every submitted job COMPLETED, as sacct says
# ------------------------------------------------------------------------------------------
run_id=$(sed -n 's/.*SLURM run ID: \([^ ]*\).*/\1/p' "$WORK/slurm.log" | head -n 1)
mapfile -t submitted < <(sed -n 's/.*has been submitted with SLURM jobid \([0-9][0-9_]*\).*/\1/p' "$WORK/slurm.log")
[ -n "$run_id" ] || die "no SLURM run ID in the log"
[ ${#submitted[@]} -gt 0 ] || die "the log names no submitted job"
planned=$(awk '/^total[ \t]+[0-9]+/ {print $2; exit}' "$WORK/slurm.log")
say "snakemake planned ${planned:-?} jobs (the target rule 'all' runs in the main process); ${#submitted[@]} submitted with sbatch"

echo
sacct -X --name="$run_id" -S "$start" -o JobID,Comment%58,State,ExitCode,AllocCPUS,ReqMem,Elapsed
echo
states=$(sacct -X -n -P --name="$run_id" -S "$start" -o JobID,State)
bad=0
for id in "${submitted[@]}"; do
    state=$(printf '%s\n' "$states" | awk -F'|' -v id="$id" '$1 == id {print $2}')
    if [ "$state" != COMPLETED ]; then
        say "job $id: ${state:-not in sacct}"
        bad=$((bad + 1))
    fi
done
n_sacct=$(printf '%s\n' "$states" | grep -c . || true)
summary=$(printf '%s\n' "$states" | awk -F'|' 'NF {n[$2]++} END {for (s in n) printf "%s%d %s", sep, n[s], s; sep = ", "}')
say "sacct: $n_sacct jobs of run $run_id: $summary"
[ "$n_sacct" -eq ${#submitted[@]} ] || bad=$((bad + 1))
[ $bad = 0 ] || die "not every job COMPLETED (log: $WORK/slurm.log)"
elapsed=$(sacct -X -n -P --name="$run_id" -S "$start" -o ElapsedRaw |
    awk '{s += $1; if ($1 > m) m = $1} END {printf "%d s summed, longest %d s", s, m}')
say "jobs' elapsed time: $elapsed"

# ------------------------------------------------------------------------------------------
# the same study locally, and the CSVs compared
# ------------------------------------------------------------------------------------------
cmd=("$VENV/bin/snakemake" --cores "$LOCAL_CORES" --configfile "$CONFIG" --directory "$LOCAL_DIR")
say "\$ ${cmd[*]#"$REPO/"}"
t0=$(date +%s)
"${cmd[@]}" >"$WORK/local.log" 2>&1 || { tail -n 40 "$WORK/local.log"; die "the local run failed; log: $WORK/local.log"; }
say "wall time of the local run: $(($(date +%s) - t0)) s"

"$VENV/bin/python" - "$SLURM_DIR" "$LOCAL_DIR" <<'EOF'
"""Every CSV of results/ in both runs, byte for byte; numbers of those that differ."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd

slurm, local = (Path(p) for p in sys.argv[1:3])
names = sorted({p.relative_to(d).as_posix() for d in (slurm, local) for p in (d / "results").rglob("*.csv")})
same, differ, missing = [], [], []
for name in names:
    a, b = slurm / name, local / name
    if not (a.is_file() and b.is_file()):
        missing.append(f"{name} (only in the {'Slurm' if a.is_file() else 'local'} run)")
    elif a.read_bytes() == b.read_bytes():
        same.append(name)
    else:
        x, y = pd.read_csv(a), pd.read_csv(b)
        note = "different shape"
        if x.shape == y.shape and list(x.columns) == list(y.columns):
            num = x.select_dtypes("number").columns
            text = [c for c in x.columns if c not in num and not x[c].equals(y[c])]
            dev = np.nanmax(np.abs(x[num].to_numpy(float) - y[num].to_numpy(float)), initial=0.0)
            note = f"largest numeric difference {dev:.3g}" + (f"; text columns differ: {text}" if text else "")
        differ.append(f"{name}: {note}")
print(f"[run_workflow] CSVs of results/: {len(names)}; byte-identical to the local run: {len(same)}")
for line in differ:
    print(f"[run_workflow]   differs: {line}")
for line in missing:
    print(f"[run_workflow]   missing: {line}")
sys.exit(1 if differ or missing else 0)
EOF
say "every job COMPLETED; every CSV equals the local run's (work directory: $WORK)"
