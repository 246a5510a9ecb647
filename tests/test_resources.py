"""Memory and runtime requests estimated from the input (descriptor_study.resources) and
the per-rule benchmark table (benchmarks/rule_table.py)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.io import write
from conftest import REPO

from descriptor_study import resources as est
from descriptor_study import storage
from descriptor_study.representations import registry

# --- cheap sizes from real files -------------------------------------------------------------


@pytest.fixture
def tiny_dataset(tmp_path):
    """Three structures of 2, 16 and 3 atoms (Si, Si, SiO-like), energies attached."""
    si2 = bulk("Si", "diamond", a=5.43)
    si16 = bulk("Si", "diamond", a=5.43, cubic=True).repeat((2, 1, 1))
    mixed = bulk("Si", "diamond", a=5.43) + Atoms("O", positions=[[1.2, 0.0, 0.0]])  # O 1.2 Å from an Si
    frames = [si2, si16, mixed]
    for k, atoms in enumerate(frames):
        atoms.info["energy"] = -1.0 * k
    path = tmp_path / "tiny.extxyz"
    write(path, frames, format="extxyz")
    return path, frames


def test_extxyz_size_counts_structures_atoms_and_species(tiny_dataset):
    path, frames = tiny_dataset
    assert [len(a) for a in frames] == [2, 16, 3]
    assert est.extxyz_size(path) == (3, 21, ["O", "Si"])


def test_extxyz_size_sees_a_rewritten_file(tiny_dataset):
    path, frames = tiny_dataset
    assert est.extxyz_size(path)[0] == 3
    write(path, frames[:1], format="extxyz")
    assert est.extxyz_size(path) == (1, 2, ["Si"])


def test_h5_shape_reads_shapes_only(tmp_path):
    matrix = np.arange(40, dtype=float).reshape(10, 4)
    data = storage.StoredRepresentation(
        matrix=matrix,
        offsets=np.array([0, 2, 5, 10]),
        n_atoms=np.array([2, 3, 5]),
        representation="X",
        dataset="d",
        species=["Si"],
        params={},
        versions={},
    )
    storage.write(tmp_path / "x.h5", data)
    assert est.h5_shape(tmp_path / "x.h5") == (10, 4, 3)


def test_feature_count_matches_the_matrix_the_representation_computes(tiny_dataset):
    """The size the estimate uses is the size of the matrix the represent step writes."""
    path, frames = tiny_dataset
    n_structures, n_atoms, species = est.extxyz_size(path)
    cls = registry.get_class("ACSF")
    p = est.n_features(cls, species)
    matrix = registry.build("ACSF", species).compute_many(frames)[0]
    assert matrix.shape == (n_atoms, p)
    # 21 rows x p features x 8 B x 3 on top of the 800 MB base
    assert est.represent_mem_mb(n_atoms, p) == int(np.ceil(800 + 3 * matrix.nbytes / 1e6))


# --- feature counts kept between runs (descriptor_study.feature_counts) -------------------------


def test_a_kept_feature_count_is_read_back_without_building_and_follows_what_defines_it(tmp_path):
    from descriptor_study.feature_counts import feature_count, key

    store = tmp_path / "counts"
    built = []

    def count(rep, species, params):
        def build():
            built.append(rep)
            return registry.build(rep, species, params).n_features

        return feature_count(rep, species, params, build, directory=store)

    acsf_si = registry.build("ACSF", ["Si"]).n_features
    assert count("ACSF", ["Si"], {}) == acsf_si and len(built) == 1
    assert count("ACSF", ["Si"], {}) == acsf_si and len(built) == 1  # read back, not built
    # another species set, other parameters, another representation: each built once
    assert count("ACSF", ["O", "Si"], {}) == registry.build("ACSF", ["O", "Si"]).n_features != acsf_si
    small = registry.build("SOAPlite", ["Si"], {"n_max": 2, "l_max": 2}).n_features
    assert count("SOAPlite", ["Si"], {"n_max": 2, "l_max": 2}) == small
    assert count("SOAPlite", ["Si"], {"n_max": 3, "l_max": 2}) > small
    assert len(built) == 4 and len(list(store.glob("*.json"))) == 4
    assert len(list(store.iterdir())) == 4  # no temporary file left beside them

    # a damaged file is built again and rewritten; a file holding another key's count is not read
    mine = store / f"{key('ACSF', ['Si'], {})[:32]}.json"
    other = store / f"{key('ACSF', ['O', 'Si'], {})[:32]}.json"
    mine.write_text("{")
    assert count("ACSF", ["Si"], {}) == acsf_si and len(built) == 5
    assert json.loads(mine.read_text()) == {"key": key("ACSF", ["Si"], {}), "n_features": acsf_si}
    mine.write_text(other.read_text())
    assert count("ACSF", ["Si"], {}) == acsf_si and len(built) == 6

    # a folder that cannot be written: built every time, no error
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder would be")
    calls = []
    for _ in range(2):
        assert feature_count("ACSF", ["Si"], {}, lambda: calls.append(1) or acsf_si, directory=blocked / "x") == acsf_si
    assert len(calls) == 2


def test_planning_builds_a_count_once_and_reads_it_in_the_next_run(tmp_path, monkeypatch):
    """The requests' count (``resources._n_features``, per process) goes through the kept
    counts under ``$XDG_CACHE_HOME``: a second process (the cache cleared) builds nothing."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    real, calls = est.n_features, []
    monkeypatch.setattr(est, "n_features", lambda *a: calls.append(a) or real(*a))
    params = json.dumps({"n_max": 2, "l_max": 2})
    try:
        for _ in range(2):
            est._n_features.cache_clear()
            assert (
                est._n_features("SOAPlite", ("Si",), params)
                == registry.build("SOAPlite", ["Si"], json.loads(params)).n_features
            )
    finally:
        est._n_features.cache_clear()
    assert len(calls) == 1
    assert len(list((tmp_path / "descriptor-study" / "feature-counts").glob("*.json"))) == 1


def test_a_kept_feature_count_is_not_read_after_the_class_file_changes(tmp_path):
    """The key holds the code fingerprint: an edit of a plugin's code is a new key, an edit
    of a comment is not."""
    from descriptor_study.feature_counts import key

    plugin = tmp_path / "lmbtr.py"
    plugin.write_text((REPO / "examples" / "lmbtr.py").read_text())
    entry = {"class": f"{plugin}:LMBTR", "n_grid": 10}
    first = key("LMBTR", ["Si"], entry)
    assert key("LMBTR", ["Si"], entry) == first
    assert key("LMBTR", ["O", "Si"], entry) != first
    assert key("LMBTR", ["Si"], {**entry, "n_grid": 11}) != first
    plugin.write_text(plugin.read_text() + "\n# a comment\n")
    assert key("LMBTR", ["Si"], entry) == first
    plugin.write_text(plugin.read_text() + "\nUNUSED = 1\n")
    assert key("LMBTR", ["Si"], entry) != first


# --- the formulas, numbers computed by hand ----------------------------------------------------


def test_represent_estimates():
    # 800 + 3 * 10_000 * 1_000 * 8 / 1e6 = 800 + 240
    assert est.represent_mem_mb(10_000, 1_000) == 1040
    assert est.represent_mem_mb(10, 10) == 801  # 800.0024 rounded up
    assert est.represent_mem_mb(10, 10, base_mb=0) == 500  # the floor
    # 5 * 1e6 * 1e3 / (2e5 * 2) / 60 = 208.3 min
    assert est.represent_runtime(1_000_000, 1_000, threads=2) == 209
    assert est.represent_runtime(100, 100) == 10  # the floor


def test_selection_estimates():
    # 800 + 4 * (1000*500 + 500**2) * 8 / 1e6 = 800 + 24
    assert est.selection_mem_mb(1_000, 500) == 824
    # 10 * (2 * 1e5 * 3000**2 + 4 * 3000**3) / 1e9 / 60 = 10 * 1908 / 60 = 318 min
    assert est.selection_runtime(100_000, 3_000) == 318
    assert est.selection_runtime(10_000, 1_000) == 10  # 4 min: the floor


def test_regression_estimates():
    # 800 + 3 * (1e6*1000 + 1e4*1000 + 2*1e8) * 8 / 1e6 = 800 + 29040
    assert est.regression_mem_mb(1_000_000, 1_000, 10_000) == 29_840
    # 800 + 3 * (1e5 + 5e3 + 5e3) * 8 / 1e6 = 802.64
    assert est.regression_mem_mb(1_000, 100, 50) == 803
    # 10 * fits * 65 * (1e9 + 1e8) / 1e9 / 60 min: fits 50 with the search at every size,
    # 3 with the search once, 2 without: 595.8, 35.75, 23.8
    assert est.regression_runtime(1_000, 100, n_top=65, search="every_size") == 596
    assert est.regression_runtime(1_000, 100, n_top=65, search=True) == 36
    assert est.regression_runtime(1_000, 100, n_top=65, search=False) == 24


def test_sensitivity_estimates():
    # 800 + 3 * (512 + 60) * 1000 * 8 / 1e6 = 813.7
    assert est.sensitivity_mem_mb(1_000) == 814
    # 5 * 60 * 512 * 1000 / 2e5 / 60 = 12.8 min
    assert est.sensitivity_runtime(1_000) == 13


def test_estimates_grow_with_the_data():
    assert est.represent_mem_mb(10**6, 5000) > est.represent_mem_mb(10**5, 5000) > est.represent_mem_mb(10**5, 500)
    assert est.selection_mem_mb(10**5, 3000) > est.selection_mem_mb(10**4, 3000)
    assert est.regression_mem_mb(10**5, 3000, 10**4) > est.regression_mem_mb(10**5, 3000, 10**3)


# --- benchmarks/rule_table.py ----------------------------------------------------------------

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def _rule_table():
    spec = importlib.util.spec_from_file_location("rule_table", REPO / "benchmarks" / "rule_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def benchmark_tree(tmp_path):
    """Benchmark files as Snakemake writes them (header and rows of a real run's files)."""
    root = tmp_path / "benchmarks" / "rules"
    files = {
        "represent/Si-demo/ACSF.tsv": "2.50\t0:00:02\t210.00\t900.00\t150.00\t160.00\t0.10\t1.00\t95.00\t4.00\n",
        "represent/Si-demo/MBTR.tsv": "1.50\t0:00:01\t310.50\t950.00\t250.00\t260.00\t0.00\t0.50\t90.00\t1.20\n",
        "select_features/cur/Si-demo/ACSF.tsv": "0.61\t0:00:00\t106.84\t470.29\t64.66\t78.33\t0.00\t0.05\t0.00\t0.78\n",
        # a job shorter than the sampling interval: no memory figures
        "select_features/cur/Si-demo/MBTR.tsv": "0.20\t0:00:00\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\n",
    }
    for name, row in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER + row)
    return tmp_path / "benchmarks"


def test_rule_table_sums_seconds_and_takes_peak_memory(benchmark_tree):
    rt = _rule_table()
    rows = {r["rule"]: r for r in rt.summarise(rt.collect(benchmark_tree))}
    assert rows["represent"]["jobs"] == 2
    assert rows["represent"]["s (sum)"] == pytest.approx(4.0)
    assert rows["represent"]["s (max)"] == pytest.approx(2.5)
    assert rows["represent"]["cpu_time s (sum)"] == pytest.approx(5.2)
    assert rows["represent"]["max_rss MB (max)"] == pytest.approx(310.5)
    assert rows["select_features"]["jobs"] == 2
    assert rows["select_features"]["s (sum)"] == pytest.approx(0.81)
    assert rows["select_features"]["max_rss MB (max)"] == pytest.approx(106.84)  # NA skipped


def test_rule_table_command_prints_markdown(benchmark_tree, tmp_path):
    out = tmp_path / "table.md"
    res = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "rule_table.py"),
            str(benchmark_tree / "rules"),
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("| rule | jobs | s (sum)")
    assert lines[2] == "| represent | 2 | 4.0 | 2.5 | 5.2 | 310.5 | 260.2 |"
    assert lines[3] == "| select_features | 2 | 0.8 | 0.6 | 0.8 | 106.8 | 106.8 |"
    empty = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "rule_table.py"), str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert empty.returncode == 1 and "no benchmark files" in empty.stderr


def test_rule_table_per_job_rows_relate_peak_memory_to_the_matrix_read(benchmark_tree, tmp_path):
    results = tmp_path / "results"
    h5 = results / "representations" / "Si-demo" / "ACSF.h5"
    h5.parent.mkdir(parents=True)
    h5.write_bytes(b"\0" * 2_000_000)  # 2 MB
    rt = _rule_table()
    rows = {r["job"]: r for r in rt.job_rows(benchmark_tree, "select_features", results)}
    assert set(rows) == {"cur/Si-demo/ACSF", "cur/Si-demo/MBTR"}
    assert rows["cur/Si-demo/ACSF"]["matrix MB"] == pytest.approx(2.0)
    assert rows["cur/Si-demo/ACSF"]["peak / matrix"] == pytest.approx(106.84 / 2.0)
    assert rows["cur/Si-demo/MBTR"]["matrix MB"] is None and rows["cur/Si-demo/MBTR"]["peak / matrix"] is None
    out = tmp_path / "jobs.md"
    cmd = [sys.executable, str(REPO / "benchmarks" / "rule_table.py"), str(benchmark_tree / "rules")]
    res = subprocess.run(
        cmd + ["--jobs", "select_features", "--results", str(results), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "| job | s | cpu_time s | max_rss MB | matrix MB | peak / matrix |"
    assert lines[2] == "| cur/Si-demo/ACSF | 0.6 | 0.8 | 106.8 | 2.0 | 53.4 |"
    missing = subprocess.run(cmd + ["--jobs", "regress"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "for rule regress" in missing.stderr


# --- benchmarks/goals.py ---------------------------------------------------------------------


def _goals():
    spec = importlib.util.spec_from_file_location("goals", REPO / "benchmarks" / "goals.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _records(tmp_path, default_wall=285.0):
    """Records in the layout the benchmark scripts write with --json (numbers of a real run)."""
    rule = {"rule": "represent", "jobs": 8, "s (sum)": 477.0, "s (max)": 110.1, "cpu_time s (sum)": 412.5,
            "max_rss MB (max)": 1556.2, "max_rss MB (median)": 336.4}  # fmt: skip
    tio2_rule = dict(rule, **{"max_rss MB (max)": 3015.4})
    job = {"job": "cur/AlNiCu/SOAP", "s": 122.6, "cpu_time s": 14.6, "max_rss MB": 1395.5, "matrix MB": 846.4,
           "peak / matrix": 1395.5 / 846.4}  # fmt: skip
    records = {
        "runs": {
            "default": {"what": "demo", "wall": default_wall, "jobs_benchmarked": 107, "rules": [rule], "jobs": {}},
            "alnicu": {
                "what": "AlNiCu",
                "wall": 522.0,
                "jobs_benchmarked": 41,
                "rules": [rule],
                "jobs": {"select_features": [job]},
            },  # fmt: skip
            "tio2": {"what": "TiO2", "wall": 1000.0, "jobs_benchmarked": 24, "rules": [tio2_rule], "jobs": {}},
        },
        "dimensionality": {
            "gram": {"seconds": 3.9},
            "eigh": {"seconds": 4.6},
            "cur": {"seconds": 83.4, "note": "identical"},
            "fps": {"seconds": 20.7},
            "pca": {"seconds": 6.5},
            "memory_cur": {"peak_bytes": 7.04e9, "matrix_bytes": 5.16e9, "ratio": 7.04 / 5.16, "seconds": 325.0},
        },  # fmt: skip
        "regression": {
            "rr_one": {"seconds": 0.55, "ratio": 1.0},
            "rr_sweep": {"seconds": 4.75, "ratio": 8.6, "note": ""},
            "krr_cv": {"seconds": 116.0, "ratio": 981.3, "note": "extrapolated"},
        },  # fmt: skip
        "representations": {"reps": {"SOAP": {"ours": 0.52, "bare": 0.5}, "ACSF-X": {"ours": 1.2, "bare": None}}},
    }
    folder = tmp_path / "out" / "goals"
    folder.mkdir(parents=True)
    for name, record in records.items():
        (folder / f"{name}.json").write_text(__import__("json").dumps(record))
    return folder


def test_goals_table_judges_each_goal_from_the_records(tmp_path):
    goals = _goals()
    rows = {r[0]: r[1:] for r in goals.goal_rows(goals.load(_records(tmp_path)))}
    assert rows["default run, `snakemake --cores 2`"] == ("< 5 min", "285 s (4.8 min)", "yes")
    cur = rows["CUR of AlNiCu SOAP (27,987 × 3780) / floor"]
    assert cur == ("≤ 4.6× (Gram + eigh = 8.5 s)", "83.4 s = 9.8×", "no")
    # a record with CUR's ratio to its own floors (the benchmark's interleaved rounds) is judged by it
    records = _records(tmp_path / "rounds")
    record = __import__("json").loads((records / "dimensionality.json").read_text())
    record["cur"]["ratio"] = 4.5
    (records / "dimensionality.json").write_text(__import__("json").dumps(record))
    rows_rounds = {r[0]: r[1:] for r in goals.goal_rows(goals.load(records))}
    assert rows_rounds["CUR of AlNiCu SOAP (27,987 × 3780) / floor"][1:] == ("83.4 s = 4.5×", "yes")
    assert rows["PCA of AlNiCu SOAP (27,987 × 3780) / floor"][1:] == ("6.5 s = 1.7×", "yes")
    assert rows["RR sweep, fixed λ (125 sizes) / one solve at all features"][1:] == ("8.6×", "yes")
    assert rows["KRR sweep with its CV search (125 sizes) / one solve at all features"][2] == "no"
    assert rows["representation overhead (ours / bare library call)"][1:] == ("SOAP 1.04", "yes")  # own code left out
    assert rows["CUR peak memory, CHON-size matrix (96,804 × 6660)"][1:] == ("7.04 GB = 1.36× (325 s)", "yes")
    assert rows["TiO2 paper run, peak memory per stage (largest job)"][1:] == ("represent 3.02 GB", "yes")
    # a missing step is said so, not dropped
    unmeasured = ("recorded", "not measured (not in the `sensitivity` record)", "–")
    assert rows["sensitivity, seconds per curve"] == unmeasured
    slow = {r[0]: r[3] for r in goals.goal_rows(goals.load(_records(tmp_path / "slow", default_wall=301.0)))}
    assert slow["default run, `snakemake --cores 2`"] == "no"


def test_goals_command_writes_the_table_between_the_docs_markers(tmp_path):
    goals = _goals()
    records = _records(tmp_path)
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# Benchmarks\n\nbefore\n{goals.BEGIN}\nold table\n{goals.END}\nafter\n")
    cmd = [sys.executable, str(REPO / "benchmarks" / "goals.py"), "--render-only", "--docs", str(docs)]
    res = subprocess.run(cmd + ["--records", str(records)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    text = docs.read_text()
    assert text.startswith("# Benchmarks\n\nbefore\n") and text.endswith(f"{goals.END}\nafter\n")
    assert "old table" not in text
    assert "| CUR of AlNiCu SOAP (27,987 × 3780) / floor | ≤ 4.6× (Gram + eigh = 8.5 s) | 83.4 s = 9.8× | no |" in text
    assert "| cur/AlNiCu/SOAP | 122.6 | 1396 | 846 | 1.65 |" in text
    assert "no record of the run that wrote them" in text
    assert (records.parent / "goals.md").read_text() in text
    run = {"steps": list(goals.STEPS), "seconds": 2671.0, "commit": "abc1234", "local_changes": False,
           "date": "2026-11-26", "cores": 2, "memory_gib": 23.4}  # fmt: skip
    (records / "run.json").write_text(__import__("json").dumps(run))
    res = subprocess.run(cmd + ["--records", str(records)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    stamp = "From `python benchmarks/goals.py` (all steps, 45 min) on 2026-11-26, 2 cores, 23 GiB, commit abc1234."
    assert stamp in docs.read_text()
    # no markers: one line naming the file, the file untouched
    bare = tmp_path / "plain.md"
    bare.write_text("# no markers\n")
    res = subprocess.run(cmd[:-1] + [str(bare), "--records", str(records)], capture_output=True, text=True, timeout=60)
    assert res.returncode != 0 and str(bare) in res.stderr and "goals: begin" in res.stderr
    assert bare.read_text() == "# no markers\n"


def test_the_benchmarks_page_has_the_goals_markers():
    goals = _goals()
    text = (REPO / "docs" / "benchmarks.md").read_text()
    assert text.count(goals.BEGIN) == 1 and text.count(goals.END) == 1
    assert text.index(goals.BEGIN) < text.index(goals.END)


# --- the order of the jobs: the longest first ------------------------------------------------


def test_the_offline_reproduction_starts_its_longest_jobs_first(shared_datasets, monkeypatch):
    """The offline config's priorities, as the rules take them (Snakemake runs the ready job of
    highest priority first): the datasets before all, then TiO2's representations in the order
    of their measured seconds, before any of AlNiCu's but its slowest; the selection jobs by
    the size of their matrix (CUR of SOAP, the largest, first)."""
    import types

    import yaml

    from descriptor_study.plan import Plan

    monkeypatch.chdir(REPO)  # the config's mirror is relative to the working directory
    config = yaml.safe_load((REPO / "config/reproduce-offline.yaml").read_text())
    plan = Plan(config, registry.classes_of(config["representations"]))
    requests = est.Requests(plan)
    rep = requests.represent_priority()
    represent = {
        (ds, r): rep(types.SimpleNamespace(dataset=ds, rep=r)) for ds in plan.datasets for r in plan.representations
    }
    assert requests.dataset_size("TiO2")[1] == 165229 and requests.dataset_size("AlNiCu")[1] == 27987
    order = sorted(represent, key=represent.get, reverse=True)
    assert order[:3] == [("TiO2", "ACSF"), ("TiO2", "SOAP"), ("TiO2", "ACSF-X")]
    assert max(represent.values()) < requests.dataset_priority
    assert represent["TiO2", "SOAP"] > 4 * represent["AlNiCu", "SOAP"]  # 165,229 atoms against 27,987
    select = {
        (m, v): requests.selection_priority(types.SimpleNamespace(method=m, dataset="AlNiCu", variant=v))
        for m in ("cur", "fps", "pca")
        for v in ("SOAP", "SOAPlite", "ACE", "ACE-degree15")
    }
    assert max(select, key=select.get) == ("cur", "SOAP")
    assert select["cur", "SOAP"] > select["fps", "SOAP"] > select["pca", "SOAP"] > select["pca", "ACE"]
    assert select["cur", "ACE-degree15"] >= select["cur", "ACE"]


def test_a_representation_without_a_measured_rate_starts_early():
    from descriptor_study import facts

    measured = [facts.of(registry.get_class(n), "seconds_per_1000_atoms") for n in registry.names()]
    assert max(r for r in measured if r is not None) < est.UNMEASURED_SECONDS_PER_1000_ATOMS
    assert est.represent_seconds(None, 10_000) == pytest.approx(10 * est.UNMEASURED_SECONDS_PER_1000_ATOMS)
    assert est.represent_seconds(2.2, 10_000) == pytest.approx(22.0)
