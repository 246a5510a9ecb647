"""The workflow as a user runs it: the DAG's targets, config errors before any job,
and the mirror path for a real dataset."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_snakemake


@pytest.mark.parametrize("configfile", ["config/config.yaml", "config/paper.yaml"])
def test_dry_run_lists_every_figure_and_table1(repo_root, tmp_path, configfile):
    res = run_snakemake(tmp_path, "-n", "--quiet", "rules", "--configfile", str(repo_root / configfile))
    assert res.returncode == 0, res.stderr
    res = run_snakemake(tmp_path, "-n", "--configfile", str(repo_root / configfile))
    assert res.returncode == 0, res.stderr
    out = res.stdout + res.stderr
    for target in [
        "table1.csv",
        "figure3.png",
        "figure4.png",
        "figure5.png",
        "figure6.png",
        "figure7.png",
        "figure8.png",
    ]:
        assert target in out, target
    assert "figure9_" in out


def planned_wildcards(repo: Path, *args: str) -> dict[str, set[str]]:
    """Dry run of the repository's own Snakefile from the repository (as the README says to
    call it): wildcard name → the set of values over every planned job."""
    res = run_snakemake(repo, "-n", "--forceall", "--nolock", *args)
    assert res.returncode == 0, res.stderr[-3000:]
    found: dict[str, set[str]] = {}
    for line in res.stdout.splitlines():
        line = line.strip()
        if line.startswith("wildcards:"):
            for item in line[len("wildcards:") :].split(","):
                key, _, value = item.strip().partition("=")
                found.setdefault(key, set()).add(value)
    return found


def test_paper_config_plans_only_the_paper_datasets(repo_root):
    planned = planned_wildcards(repo_root, "--configfile", "config/paper.yaml")
    assert planned["dataset"] == {"Si", "CHON", "AlNiCu", "TiO2"}
    assert planned["rep"] == {"ACSF", "ACSF-X", "SOAP", "SOAPlite", "CHSF", "CHSF-mix", "ACE", "MBTR"}


def test_default_config_plans_only_the_demo_datasets(repo_root):
    planned = planned_wildcards(repo_root)
    assert planned["dataset"] == {"Si-demo", "AlNiCu-demo"}


def test_user_config_plans_only_what_it_names(repo_root, tmp_path):
    user = tmp_path / "mine.yaml"
    user.write_text(
        "datasets:\n  AlNiCu-demo: {generator: alnicu_demo, seed: 3, n_structures: 20}\n"
        "representations:\n  SOAP: {n_max: 4, l_max: 4}\n  CHSF: {}\n"
    )
    planned = planned_wildcards(repo_root, "--configfile", str(user))
    assert planned["dataset"] == {"AlNiCu-demo"}
    assert planned["rep"] == {"SOAP", "CHSF"}
    assert set(planned) == {"dataset", "rep"}  # no sensitivity panel, selection method or model


def test_dimensionality_methods_choose_the_figures(repo_root):
    res = run_snakemake(repo_root, "-n", "--forceall", "--nolock", "--config", "dimensionality={methods: [cur]}")
    assert res.returncode == 0, res.stderr[-3000:]
    assert "figure6.png" in res.stdout and "figure7.png" not in res.stdout and "figure8.png" not in res.stdout
    assert "method=pca" not in res.stdout and "method=fps" not in res.stdout


def test_invalid_config_stops_before_any_job(repo_root, tmp_path):
    res = run_snakemake(tmp_path, "-n", "--configfile", str(repo_root / "config/config.yaml"), "--config", "threads=0")
    assert res.returncode != 0
    assert "config key threads" in res.stderr + res.stdout
    assert not (tmp_path / "data").exists() and not (tmp_path / "results").exists()


def _mirror() -> Path | None:
    env = os.environ.get("DESCRIPTOR_STUDY_MIRROR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2] / "shared" / "datasets"
    return here if here.is_dir() else None


def test_paper_dataset_through_the_mirror(repo_root, tmp_path):
    mirror = _mirror()
    if mirror is None:
        pytest.skip("no dataset mirror (DESCRIPTOR_STUDY_MIRROR unset and ../shared/datasets absent)")
    res = run_snakemake(
        tmp_path,
        "--cores",
        "1",
        "data/AlNiCu.extxyz",
        "--configfile",
        str(repo_root / "config/paper.yaml"),
        "--config",
        f'data={{"mirror": "{mirror}", "cache": "data/cache"}}',
    )
    assert res.returncode == 0, res.stderr[-3000:]
    from descriptor_study.datasets import read_structures

    structures = read_structures(tmp_path / "data/AlNiCu.extxyz", require_energy=False)
    assert len(structures) == 3337 and sum(len(a) for a in structures) == 27987


def test_default_config_report_says_the_demo_sets_have_no_counterpart(repo_root, tmp_path):
    """The embedded default compares nothing (offline, demo data) and says so."""
    user = tmp_path / "demo.yaml"
    user.write_text(
        "datasets:\n  AlNiCu-demo: {generator: alnicu_demo, seed: 3, n_structures: 10}\n"
        "representations:\n  CHSF: {n: 3, l: 3}\n"
    )
    res = run_snakemake(tmp_path, "--cores", "1", "results/reproduction.md", "--configfile", str(user))
    assert res.returncode == 0, res.stderr[-3000:]
    md = (tmp_path / "results/reproduction.md").read_text()
    assert "**0 of 0 compared cells agree" in md
    assert "AlNiCu-demo stands for no published dataset" in md
    assert not (tmp_path / "data/published").exists()


def test_comparable_dataset_is_reported_and_overlaid(repo_root, tmp_path, alnicu_path, published_dir):
    """A small file: dataset that stands for AlNiCu, run through the repository's Snakefile:
    the published files come from the mirror, checked; the report compares Table I and the
    CUR curve; Figure 6 carries the published curve."""
    from ase.io import read, write

    frames = read(alnicu_path, index=":")
    subset = tmp_path / "alnicu-part.extxyz"
    write(subset, [a for a in frames if len(a) >= 8][:6])
    user = tmp_path / "mine.yaml"
    user.write_text(
        f"datasets:\n  part: {{file: {subset}, energy_key: nomad_total_energy, compare_as: AlNiCu}}\n"
        "representations:\n  CHSF:\n    multi_species: {n: 16, l: 4, radial_cutoff: 8.0, angular_cutoff: 6.5, "
        "species_weights: aenet}\n"
        "dimensionality: {methods: [cur], ace_degree_dataset: null, standardised_mbtr_dataset: null}\n"
        f"published: {{compare: true, overlay: true, mirror: {published_dir}, not_run: {{Si: not here}}}}\n"
    )
    res = run_snakemake(tmp_path, "--cores", "1", "--configfile", str(user))
    assert res.returncode == 0, res.stderr[-3000:]
    import pandas as pd

    report = pd.read_csv(tmp_path / "results/reproduction.csv")
    count = report[(report["figure"] == "Table I") & (report["representation"] == "CHSF")]
    assert count["published"].tolist() == [44] and count["dataset"].tolist() == ["AlNiCu"]
    cur = report[(report["figure"] == "Figure 6") & (report["representation"] == "CHSF")]
    assert len(cur) >= 4 and set(cur["verdict"]) <= {"agree", "differ"}
    assert report.loc[report["dataset"] == "Si", "reason"].tolist() == ["not here"]
    assert (tmp_path / "results/figures/figure6.png").stat().st_size > 0
    md = (tmp_path / "results/reproduction.md").read_text()
    assert md.splitlines()[2].startswith("**") and "compared cells agree" in md.splitlines()[2]


HEAVY_RULES = ("dataset", "represent", "represent_degree", "select_features", "regress", "sensitivity_curve")


def test_heavy_rules_are_benchmarked_and_threads_clamped_to_the_cores(repo_root):
    """Every heavy job writes benchmarks/rules/<rule>/…tsv; a config asking 8 threads gets
    at most the 2 cores the run offers."""
    res = run_snakemake(repo_root, "-n", "--forceall", "--nolock", "--cores", "2", "--config", "threads=8")
    assert res.returncode == 0, res.stderr[-3000:]
    threads = [int(line.split(":")[1]) for line in res.stdout.splitlines() if line.strip().startswith("threads:")]
    assert threads and max(threads) == 2
    benchmarks = {
        line.split("benchmarks/rules/")[1].split("/")[0]
        for line in res.stdout.splitlines()
        if line.strip().startswith("benchmark:")
    }
    # and the report cards' jobs, whose share of a run docs/report-card.md records
    assert benchmarks == {*HEAVY_RULES, "card_part", "cards"}


def test_represent_memory_follows_the_dataset(repo_root, tmp_path):
    """mem_mb of a represent job comes from the dataset's atoms × the features; until the
    dataset exists the fixed request stands."""
    from ase.build import bulk
    from ase.io import write

    from descriptor_study import resources
    from descriptor_study.representations import registry

    frames = [bulk("Si", "diamond", a=5.43, cubic=True).repeat((n, 1, 1)) for n in (1, 2, 3)]  # 8+16+24 atoms
    for atoms in frames:
        atoms.info["energy"] = -1.0
    user = tmp_path / "mine.yaml"
    user.write_text(f"datasets:\n  tiny: {{file: {tmp_path / 'src.extxyz'}}}\nrepresentations:\n  ACSF: {{}}\n")
    write(tmp_path / "src.extxyz", frames, format="extxyz")

    def planned_mem():
        res = run_snakemake(tmp_path, "-n", "--cores", "1", "--configfile", str(user))
        assert res.returncode == 0, res.stderr[-3000:]
        lines = res.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("rule represent:"))
        resources_line = next(line for line in lines[start:] if line.strip().startswith("resources:"))
        return int(resources_line.split("mem_mb=")[1].split(",")[0])

    assert planned_mem() == 8000  # data/tiny.extxyz not made yet
    (tmp_path / "data").mkdir()
    write(tmp_path / "data/tiny.extxyz", frames, format="extxyz")
    p = registry.build("ACSF", ["Si"]).n_features
    assert planned_mem() == resources.represent_mem_mb(48, p) == int(-(-(800 * 10**6 + 3 * 48 * p * 8) // 10**6))
