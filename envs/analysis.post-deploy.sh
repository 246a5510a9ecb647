#!/usr/bin/env bash
# Run by Snakemake in the new environment: this package from the checkout the Snakefile
# runs from, editable and without dependencies (the environment file pins them all).
set -euo pipefail
python -m pip install --no-deps -e "${DESCRIPTOR_STUDY_SOURCE:?is set by the Snakefile}"
