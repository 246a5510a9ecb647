"""Provenance: each output of a rule job gets ``provenance/<output>.json`` saying what made
it (rule, params, package versions, input checksums), written by runlog.run_step."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import run_snakemake
from snakemake.iocontainers import Params, Wildcards

from descriptor_study import atomic, runlog, storage
from descriptor_study.errors import DatasetError

REPO = Path(__file__).resolve().parents[1]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _job(tmp_path: Path, **changes) -> SimpleNamespace:
    """An object with the attributes of Snakemake's ``snakemake`` script object; the params
    as Snakemake evaluates them (a lambda's value), in Snakemake's own container."""
    params = Params(
        fromdict={
            "spec": {"name": "demo", "n_structures": 10, "e0": {"Si": -158.5}},
            "mirror": None,
            "cache": Path("data/cache"),
            "species": ("Si",),
            "degrees": {3, 1, 2},
            "weights": np.array([0.5, 0.25]),
            "scale": np.float64(2.0),
            "kernel": np.exp,
        }
    )
    smk = SimpleNamespace(
        input=["data/demo.extxyz", "data/split.txt"],
        output=["results/x/y.csv", "results/x/y.md"],
        params=params,
        wildcards=Wildcards(fromdict={"dataset": "demo", "rep": "SOAP"}),
        log=["logs/job.log"],
        rule="regress",
        config={"datasets": {"demo": {}}},
    )
    for key, value in changes.items():
        setattr(smk, key, value)
    return smk


def _main(smk):
    text = Path(smk.input[0]).read_text()
    df = pd.DataFrame({"n_lines": [len(text.splitlines())], "value": [0.1 + 0.2]})
    storage.write_csv(df, smk.output[0])
    Path(smk.output[1]).write_text(f"| n_lines |\n|---|\n| {len(text.splitlines())} |\n")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (work / "logs").mkdir()
    (work / "data" / "demo.extxyz").write_text("1\nenergy=-1.0\nSi 0 0 0\n")
    (work / "data" / "split.txt").write_text("0 1 2\n")
    monkeypatch.chdir(work)
    return work


def test_run_step_records_what_made_each_output(workdir, tmp_path):
    runlog.run_step(_job(tmp_path), _main)
    record_path = workdir / "provenance" / "results" / "x" / "y.csv.json"
    assert sorted(p.relative_to(workdir).as_posix() for p in (workdir / "provenance").rglob("*.json")) == [
        "provenance/results/x/y.csv.json",
        "provenance/results/x/y.md.json",
    ]
    text = record_path.read_text()
    record = json.loads(text)
    assert text == json.dumps(record, sort_keys=True, indent=1, ensure_ascii=False) + "\n"  # sorted, stable
    assert record["rule"] == "regress"
    assert record["wildcards"] == {"dataset": "demo", "rep": "SOAP"}
    assert record["params"] == {
        "spec": {"name": "demo", "n_structures": 10, "e0": {"Si": -158.5}},
        "mirror": None,
        "cache": "data/cache",
        "species": ["Si"],
        "degrees": [1, 2, 3],
        "weights": [0.5, 0.25],
        "scale": 2.0,
        "kernel": "numpy.exp",
    }
    assert record["inputs"] == {
        "data/demo.extxyz": _sha256(workdir / "data" / "demo.extxyz"),
        "data/split.txt": _sha256(workdir / "data" / "split.txt"),
    }
    assert record["output"] == {"path": "results/x/y.csv", "sha256": _sha256(workdir / "results" / "x" / "y.csv")}
    import ase
    import scipy

    assert record["versions"]["numpy"] == np.__version__
    assert record["versions"]["scipy"] == scipy.__version__
    assert record["versions"]["ase"] == ase.__version__
    assert record["versions"]["descriptor-study"]
    assert len(record["code"]["descriptor_study"]) == 64
    md = json.loads((workdir / "provenance" / "results" / "x" / "y.md.json").read_text())
    assert md["output"]["path"] == "results/x/y.md" and md["inputs"] == record["inputs"]
    assert str(tmp_path) not in text and "0x" not in text  # relative paths, no addresses


def test_what_a_step_ran_with_is_recorded_as_resolved(workdir, tmp_path):
    """A step's ``main`` may return what it ran with (the parameters resolved, defaults
    included): each output's record holds it under ``resolved``; without it, no such key."""

    def main(smk):
        _main(smk)
        return {"params": {"cutoff": 6.5, "n_max": np.int64(2)}, "settings": {"fig3": {"seed": 0}}}

    runlog.run_step(_job(tmp_path), main)
    for name in ("y.csv", "y.md"):
        record = json.loads((workdir / "provenance" / "results" / "x" / f"{name}.json").read_text())
        assert record["resolved"] == {"params": {"cutoff": 6.5, "n_max": 2}, "settings": {"fig3": {"seed": 0}}}
    runlog.run_step(_job(tmp_path), _main)
    assert "resolved" not in json.loads((workdir / "provenance" / "results" / "x" / "y.csv.json").read_text())


def test_same_inputs_same_bytes_edited_input_new_checksum(workdir, tmp_path):
    record_path = workdir / "provenance" / "results" / "x" / "y.csv.json"
    runlog.run_step(_job(tmp_path), _main)
    first, csv = record_path.read_bytes(), (workdir / "results" / "x" / "y.csv").read_bytes()
    runlog.run_step(_job(tmp_path), _main)
    assert record_path.read_bytes() == first
    assert (workdir / "results" / "x" / "y.csv").read_bytes() == csv

    old = json.loads(first)["inputs"]["data/demo.extxyz"]
    (workdir / "data" / "demo.extxyz").write_text("1\nenergy=-2.0\nSi 0 0 0\n")
    runlog.run_step(_job(tmp_path), _main)
    new = json.loads(record_path.read_text())["inputs"]["data/demo.extxyz"]
    assert new != old
    assert new == _sha256(workdir / "data" / "demo.extxyz")
    # the output did not change (same line count), and its checksum says so
    assert (workdir / "results" / "x" / "y.csv").read_bytes() == csv


def test_failed_job_leaves_no_provenance(workdir, tmp_path):
    runlog.run_step(_job(tmp_path), _main)
    record_path = workdir / "provenance" / "results" / "x" / "y.csv.json"
    assert record_path.is_file()

    def broken(smk):
        raise DatasetError("data/demo.extxyz: structure 0 has no energy")

    with pytest.raises(SystemExit) as info:
        runlog.run_step(_job(tmp_path), broken)
    assert info.value.code == 1
    # the old record described outputs this job was remaking: gone with them
    assert not record_path.exists()
    assert not (workdir / "provenance" / "results" / "x" / "y.md.json").exists()
    assert "structure 0 has no energy" in (workdir / "logs" / "job.log").read_text()


def test_run_step_removes_what_killed_jobs_left_in_its_output_folders(workdir, tmp_path):
    out = workdir / "results" / "x"
    out.mkdir(parents=True)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    host = atomic._host()
    dead = out / f".other.csv.partial-{host}-{proc.pid}"
    live = out / f".other.csv.partial-{host}-{os.getpid()}"
    for path in (dead, live):
        path.write_bytes(b"")
    seen = {}

    def main(smk):
        seen["dead"], seen["live"] = dead.exists(), live.exists()
        _main(smk)

    runlog.run_step(_job(tmp_path), main)
    assert seen == {"dead": False, "live": True}  # removed before main ran
    assert sorted(p.name for p in out.iterdir()) == sorted([live.name, "y.csv", "y.md"])


def test_output_outside_the_working_directory_gets_no_record(workdir, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    smk = _job(tmp_path, output=[str(elsewhere / "y.csv"), str(elsewhere / "y.md")])
    runlog.run_step(smk, _main)
    assert (elsewhere / "y.csv").is_file()
    assert not (workdir / "provenance").exists()
    # an absolute output inside it is recorded under its relative path
    smk = _job(tmp_path, output=[str(workdir / "results" / "x" / "y.csv"), str(workdir / "results" / "x" / "y.md")])
    runlog.run_step(smk, _main)
    record = json.loads((workdir / "provenance" / "results" / "x" / "y.csv.json").read_text())
    assert record["output"]["path"] == "results/x/y.csv"


def test_representation_file_bytes_do_not_depend_on_the_wall_time(tmp_path):
    """The h5 files are inputs of most jobs: their checksums enter the provenance, so the
    same data must give the same bytes (the computing time is logged, not stored)."""

    def stored(seconds):
        return storage.StoredRepresentation(
            np.arange(6.0).reshape(3, 2),
            np.array([0, 1, 3]),
            np.array([1, 2]),
            "SOAP",
            "demo",
            ["Si"],
            {"n_max": 2},
            {"numpy": np.__version__},
            extra={"seconds": seconds, "n_jobs": 1},
        )

    storage.write(tmp_path / "a.h5", stored(0.38))
    storage.write(tmp_path / "b.h5", stored(0.29))
    assert (tmp_path / "a.h5").read_bytes() == (tmp_path / "b.h5").read_bytes()
    assert storage.read(tmp_path / "a.h5").extra == {"n_jobs": 1}


@pytest.mark.slow
def test_workflow_writes_provenance_beside_results(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(
        "datasets:\n  tiny: {generator: si_demo, seed: 1, n_structures: 10}\n"
        "representations:\n  SOAP: {n_max: 2, l_max: 2}\n"
    )
    records = {}
    for run in ("a", "b"):
        work = tmp_path / run
        res = run_snakemake(work, "--cores", "1", "results/representations/tiny/SOAP.h5", "--configfile", str(config))
        assert res.returncode == 0, res.stderr[-3000:]
        records[run] = {
            p.relative_to(work).as_posix(): p.read_bytes() for p in (work / "provenance").rglob("*") if p.is_file()
        }
    assert sorted(records["a"]) == [
        "provenance/data/tiny.extxyz.json",
        "provenance/results/representations/tiny/SOAP.h5.json",
    ]
    assert records["a"] == records["b"]  # two clean runs: identical provenance

    work = tmp_path / "a"
    dataset = json.loads(records["a"]["provenance/data/tiny.extxyz.json"])
    assert dataset["rule"] == "dataset" and dataset["inputs"] == {}
    assert dataset["params"]["spec"] == {"name": "tiny", "generator": "si_demo", "seed": 1, "n_structures": 10}
    assert dataset["output"]["sha256"] == _sha256(work / "data" / "tiny.extxyz")
    rep = json.loads(records["a"]["provenance/results/representations/tiny/SOAP.h5.json"])
    assert rep["rule"] == "represent" and rep["wildcards"] == {"dataset": "tiny", "rep": "SOAP"}
    assert rep["params"]["params"] == {"n_max": 2, "l_max": 2}
    assert rep["inputs"] == {"data/tiny.extxyz": _sha256(work / "data" / "tiny.extxyz")}
    assert rep["output"]["sha256"] == _sha256(work / "results" / "representations" / "tiny" / "SOAP.h5")
    assert str(tmp_path) not in "".join(r.decode() for r in records["a"].values())
