"""The authors' published results: pinned fetch (mirror, real HTTP on 127.0.0.1, checksums)
and the readers, checked against values computed here from the JSON files themselves."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import math
import runpy
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from descriptor_study.datasets.remote import PINNED_SOURCES
from descriptor_study.errors import ChecksumError, DatasetError, StudyError
from descriptor_study.jobs import PublishedFileJob
from descriptor_study.pins import PUBLISHED_FILES
from descriptor_study.published import available as pub_available
from descriptor_study.published import dimensionality as pub_dim
from descriptor_study.published import fetch as pub_fetch
from descriptor_study.published import files as pub_files
from descriptor_study.published import names as pub_names
from descriptor_study.published import regression as pub_rr
from descriptor_study.published import sensitivity as pub_sens
from descriptor_study.regression.models import Problem
from descriptor_study.regression.sweep import feature_sweep
from descriptor_study.stages.dimensionality import run_selection
from descriptor_study.storage import StoredRepresentation
from descriptor_study.tables import paper_table1

#: Table I of the paper (the classes' paper_feature_counts)
PAPER_TABLE1 = paper_table1()
REPO = Path(__file__).resolve().parents[1]


def _json(published_dir: Path, name: str):
    return json.loads((published_dir / name).read_text())


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _six_digits(x: float) -> float:
    """One unit in the sixth significant digit of x (the files print x that way)."""
    return 10.0 ** (math.floor(math.log10(abs(x))) - 5)


# --- fetching ---------------------------------------------------------------------------


def test_pins_point_at_the_commit_and_verify_from_the_mirror(published_dir, tmp_path):
    assert set(PUBLISHED_FILES) == {
        "CUR_results.json",
        "FPS_results.json",
        "PCA_results.json",
        "RR_results.json",
        "figures-3-4-5-datasets.json",
    }
    for name, spec in PUBLISHED_FILES.items():
        assert spec["url"] == (
            "https://raw.githubusercontent.com/DescriptorZoo/sensitivity-dimensionality-results/"
            f"e0c6e1946a62b8c94dcce669625a6bfd90e23f5f/results/{name}"
        )
        dest = pub_fetch.fetch_published(name, tmp_path / "out" / name, mirror=published_dir)
        data = dest.read_bytes()
        assert data == (published_dir / name).read_bytes()
        assert _sha256(data) == spec["sha256"]
        assert _git_sha1(data) == spec["git_sha1"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(PUBLISHED_FILES)
    # one pin for the results repository: the dataset archives come from the same commit
    assert PINNED_SOURCES["Si"]["url"].startswith(PUBLISHED_FILES["CUR_results.json"]["url"].rsplit("/results/")[0])


def test_names_with_or_without_suffix(tmp_path, published_dir):
    assert pub_fetch.published_name("RR_results") == pub_fetch.published_name("RR_results.json") == "RR_results.json"
    with pytest.raises(DatasetError, match="not a published result file"):
        pub_fetch.published_name("SVM_results.json")
    dest = pub_fetch.fetch_published("PCA_results", tmp_path / "pca.json", mirror=published_dir)
    assert dest.read_bytes() == (published_dir / "PCA_results.json").read_bytes()


def test_corrupted_mirror_raises_and_leaves_no_output(published_dir, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = bytearray((published_dir / "CUR_results.json").read_bytes())
    data[100] = ord("7") if data[100] != ord("7") else ord("8")  # one digit changed
    (mirror / "CUR_results.json").write_bytes(bytes(data))
    out = tmp_path / "out"
    with pytest.raises(ChecksumError, match=r"mirror/CUR_results\.json: git blob sha1"):
        pub_fetch.fetch_published("CUR_results.json", out / "CUR_results.json", mirror=mirror)
    assert not out.exists() or list(out.iterdir()) == []


@pytest.fixture
def served(tmp_path, monkeypatch):
    """Serve a folder over HTTP on 127.0.0.1 and point the pins at it."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for name in PUBLISHED_FILES:
        monkeypatch.setitem(PUBLISHED_FILES, name, {**PUBLISHED_FILES[name], "url": f"{base}/{name}"})
    try:
        yield root
    finally:
        server.shutdown()
        server.server_close()


def test_download_when_not_mirrored(served, published_dir, tmp_path):
    name = "RR_results.json"
    shutil.copyfile(published_dir / name, served / name)
    cache = tmp_path / "cache"
    dest = pub_fetch.fetch_published(name, tmp_path / "out" / name, mirror=tmp_path / "empty-mirror", cache_dir=cache)
    assert _sha256(dest.read_bytes()) == PUBLISHED_FILES[name]["sha256"]
    assert [p.name for p in cache.iterdir()] == [f"published-{name}"]


def test_bad_download_is_removed_and_raises(served, published_dir, tmp_path):
    name = "figures-3-4-5-datasets.json"
    (served / name).write_bytes((published_dir / name).read_bytes()[:-10] + b"0000000000")
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match=name):
        pub_fetch.fetch_published(name, tmp_path / "out" / name, cache_dir=cache)
    assert not (tmp_path / "out").exists()
    assert not cache.exists() or list(cache.iterdir()) == []


def test_snakemake_script_fetches_from_the_mirror(published_dir, tmp_path):
    out = tmp_path / "data" / "published" / "FPS_results.json"
    job = PublishedFileJob("FPS_results.json", str(out), str(published_dir), str(tmp_path / "cache"))
    smk = SimpleNamespace(
        wildcards=SimpleNamespace(name="FPS_results.json"),
        output=[str(out)],
        params=SimpleNamespace(job=job),
        log=[str(tmp_path / "published.log")],
    )
    runpy.run_path(str(REPO / "scripts" / "published_file.py"), init_globals={"snakemake": smk})
    assert out.read_bytes() == (published_dir / "FPS_results.json").read_bytes()


# --- dimensionality curves --------------------------------------------------------------------


def test_curve_columns_are_ours(published_dir, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6))
    X[:, 2] = 0.0  # a zero column, dropped by ours
    stored = StoredRepresentation(X, np.array([0, 40]), np.array([40]), "SOAP", "AlNiCu", ["Al"], {}, {})
    for method, rep, dataset in [("cur", "SOAP", "AlNiCu"), ("fps", "SOAP", "CHON"), ("pca", "SOAP", "AlNiCu")]:
        ours = run_selection(method, stored, tmp_path / f"{method}.csv")
        theirs = pub_dim.curve(published_dir, method, rep, dataset)
        assert list(theirs.columns) == [c for c in ours.columns if c != "feature"]
        assert theirs["rank"].dtype.kind == "i"
        table = pub_dim.dimensionality_table(published_dir, method)
        assert list(table.columns) == ["representation", "dataset"] + list(theirs.columns)


def test_soap_alnicu_cur(published_dir):
    entry = _json(published_dir, "CUR_results.json")["SOAP"]["AlNiCu"]
    assert entry["feature_num"] == 3780  # Table I
    x, total = np.array(entry["percent"]), np.array(entry["total"])
    df = pub_dim.curve(published_dir, "cur", "SOAP", "AlNiCu")
    assert len(df) == len(x) == len(total)
    np.testing.assert_array_equal(df["error"], total)
    assert x[0] == 0 and df["rank"].iloc[0] == 1
    np.testing.assert_array_equal(df["rank"].to_numpy()[1:], np.rint(x[1:] * 3780 / 100).astype(int))
    np.testing.assert_allclose(df["percent"], 100 * df["rank"] / 3780, rtol=1e-15)
    assert df["rank"].iloc[-1] == 3780 and df.attrs["denominator"] == 3780


def test_acsf_x_alnicu_is_read_over_its_non_zero_columns(published_dir):
    entry = _json(published_dir, "CUR_results.json")["ACSF-X"]["AlNiCu"]
    counts = pub_dim.feature_counts(published_dir).set_index(["representation", "dataset"])
    assert (counts.loc[("ACSF-X", "AlNiCu"), "n_nonzero"], counts.loc[("ACSF-X", "AlNiCu"), "n_features"]) == (
        544,
        1017,
    )
    df = pub_dim.curve(published_dir, "cur", "ACSF-X", "AlNiCu")
    assert df.attrs["x_key"] == "percent_reduced" and df.attrs["denominator"] == entry["feature_num_reduced"] == 544
    xr = np.array(entry["percent_reduced"])
    tol = np.array([_six_digits(v) for v in xr[1:]])
    assert np.all(np.abs(df["percent"].to_numpy()[1:] - xr[1:]) <= tol)
    assert df["rank"].iloc[-1] == 544
    # the full-width x of the same points is over 1017 columns
    np.testing.assert_allclose(np.array(entry["percent"])[1:], 100 * df["rank"].to_numpy()[1:] / 1017, rtol=2e-5)


def test_acsf_alnicu_uses_281_and_every_third_selection(published_dir):
    x = np.array(_json(published_dir, "CUR_results.json")["ACSF"]["AlNiCu"]["percent"])
    df = pub_dim.curve(published_dir, "cur", "ACSF", "AlNiCu")
    assert df.attrs["denominator"] == 281
    np.testing.assert_array_equal(df["rank"], 1 + 3 * np.arange(len(x)))
    np.testing.assert_allclose(df["percent"].to_numpy()[1:], x[1:], rtol=1e-5)
    assert df["percent"].iloc[-1] < 100  # the curve stops at 259 of 281


def test_percent_is_the_published_x(published_dir):
    """Every CUR and FPS curve: percent equals the file's x (six digits) but at the first
    point, which the file draws at 0; and percent = 100·rank/n where the curve's
    denominator is the non-zero feature count."""
    counts = pub_dim.feature_counts(published_dir, include_variants=True).set_index(["representation", "dataset"])
    checked_n = 0
    for method, fname in [("cur", "CUR_results.json"), ("fps", "FPS_results.json")]:
        data = _json(published_dir, fname)
        for top, subs in data.items():
            for sub, entry in subs.items():
                rep, dataset = pub_names.our_names(top, sub)
                df = pub_dim.curve(published_dir, method, rep, dataset, missing_ok=True)
                if method == "fps":
                    assert (df is None) == ("FPS" not in entry)
                    if df is None:
                        continue
                    x, y = np.array(entry["FPS"][0]), np.array(entry["FPS"][1])
                else:
                    x = np.array(entry.get("percent_reduced", entry["percent"]))
                    y = np.array(entry["total"])
                np.testing.assert_array_equal(df["error"], y)
                assert x[0] == 0
                tol = np.array([_six_digits(v) for v in x[1:]])
                assert np.all(np.abs(df["percent"].to_numpy()[1:] - x[1:]) <= tol), (method, rep, dataset)
                assert np.all(np.diff(df["rank"]) > 0) and df["rank"].iloc[0] >= 1
                raw = pub_dim.curve(published_dir, method, rep, dataset, as_published=True)
                np.testing.assert_array_equal(raw["percent"], x)
                n = counts["n_nonzero"].get((rep, dataset))
                if df.attrs["denominator"] == n:
                    np.testing.assert_allclose(df["percent"], 100.0 * df["rank"] / n, rtol=1e-15)
                    checked_n += 1
    assert checked_n >= 20


def test_first_point_continues_the_grid(published_dir):
    """The file draws the first point at x = 0; its rank is the selection grid continued
    backwards: 1 on every CUR curve (the authors' script records the first selection)
    except ACSF-X on CHON, whose grid is 9, 18, 27, …"""
    got = pub_available.available(published_dir)
    cur = got[got["method"] == "cur"]
    assert set(cur.loc[cur["first_rank"] != 1, ["representation", "dataset"]].itertuples(index=False)) == {
        ("ACSF-X", "CHON")
    }
    x = np.array(_json(published_dir, "CUR_results.json")["ACSF-X"]["CHON"]["percent"])
    df = pub_dim.curve(published_dir, "cur", "ACSF-X", "CHON")
    np.testing.assert_array_equal(df["rank"], 9 * np.arange(1, len(x) + 1))
    fps = _json(published_dir, "FPS_results.json")["ACSF"]["CHON"]["FPS"][0]
    step = round((fps[2] - fps[1]) * 462 / 100)  # 17 features between points
    assert pub_dim.curve(published_dir, "fps", "ACSF", "CHON")["rank"].iloc[0] == round(fps[1] * 462 / 100) - step


def test_fps_curves_are_the_fps_entries_on_chon(published_dir):
    data = _json(published_dir, "FPS_results.json")
    with_fps = {(t, s) for t, subs in data.items() for s, e in subs.items() if "FPS" in e}
    assert {s for _, s in with_fps} == {"CHON"}
    df = pub_dim.curve(published_dir, "fps", "ACSF", "CHON")
    np.testing.assert_array_equal(df["error"], data["ACSF"]["CHON"]["FPS"][1])
    assert pub_dim.curve(published_dir, "fps", "SOAP", "AlNiCu", missing_ok=True) is None
    with pytest.raises(pub_files.PublishedDataError, match=r"FPS_results\.json.*'FPS'"):
        pub_dim.curve(published_dir, "fps", "SOAP", "AlNiCu")
    # the 'percent'/'total' beside the FPS curves are the CUR curves
    cur = _json(published_dir, "CUR_results.json")
    for top, sub in with_fps:
        assert data[top][sub]["total"] == cur[top][sub]["total"]


def test_pca_ratios_and_kept_components(published_dir):
    data = _json(published_dir, "PCA_results.json")
    counts = pub_dim.feature_counts(published_dir).set_index(["representation", "dataset"])
    for rep, dataset, kept in [
        ("SOAP", "AlNiCu", 3780),
        ("ACSF-X", "AlNiCu", 544),
        ("MBTR", "Si", 182),
        ("ACSF-X", "Si", 57),
        ("CHSF", "TiO2", 44),
    ]:
        v = np.array(data[rep][dataset]["PCA_variance"])
        assert kept == counts.loc[(rep, dataset), "n_nonzero"]
        df = pub_dim.curve(published_dir, "pca", rep, dataset)
        assert len(df) == kept
        np.testing.assert_allclose(df["variance_ratio"], v[:kept] / v.sum(), rtol=1e-12)
        np.testing.assert_array_equal(df["rank"], np.arange(1, kept + 1))
        np.testing.assert_allclose(df["percent"], 100.0 * np.arange(1, kept + 1) / kept)
        assert np.all(v[kept:] <= 1e-10 * v[0])  # only zero-variance components are left out
        raw = pub_dim.curve(published_dir, "pca", rep, dataset, as_published=True)
        assert len(raw) == len(v)
        # the authors' plot: x = 100·(s+1)/len
        np.testing.assert_allclose(raw["percent"], [100.0 * (s + 1) / len(v) for s in range(len(v))])
    assert len(data["SOAP"]["AlNiCu"]["PCA_variance"]) == data["SOAP"]["AlNiCu"]["feature_num"] == 3781


def test_table1_counts(published_dir):
    counts = pub_dim.feature_counts(published_dir)
    assert list(counts.columns) == ["representation", "dataset", "n_features", "n_nonzero"]
    assert len(counts) == 28
    for r in counts.itertuples():
        cell = str(PAPER_TABLE1[r.representation][r.dataset])
        nonzero, _, full = cell.partition(" (")
        if (r.representation, r.dataset) == ("ACSF-X", "CHON"):
            # the published curves ran over all 1644 columns; Table I's 634 is not in the files
            assert (r.n_features, r.n_nonzero) == (1644, 1644) and cell == "634 (1644)"
            continue
        assert r.n_nonzero == int(nonzero), (r.representation, r.dataset)
        assert r.n_features == (int(full.rstrip(")")) if full else int(nonzero)), (r.representation, r.dataset)


def test_variants_map_onto_our_names(published_dir):
    cur = _json(published_dir, "CUR_results.json")
    df = pub_dim.curve(published_dir, "cur", "MBTR-std", "Si")
    np.testing.assert_array_equal(df["error"], cur["MBTR"]["Si(STD)"]["total"])
    for d in (6, 9, 12, 15):
        df = pub_dim.curve(published_dir, "cur", f"ACE-degree{d}", "AlNiCu")
        np.testing.assert_array_equal(df["error"], cur["ACE (AlNiCu)"][f"{d}th Degree"]["total"])
        assert df["rank"].iloc[-1] == cur["ACE (AlNiCu)"][f"{d}th Degree"]["feature_num"]
    assert pub_names.our_names("MBTR(STD)", "Si") == ("MBTR-std", "Si")
    assert pub_names.our_names("ACE-SHIPs (AlNiCu)", "12th Degree") == ("ACE-degree12", "AlNiCu")
    got = pub_available.available(published_dir)
    keys = set(zip(got["method"], got["representation"], got["dataset"]))
    assert {
        ("cur", "MBTR-std", "Si"),
        ("cur", "ACE-degree15", "AlNiCu"),
        ("fps", "MBTR", "CHON"),
        ("pca", "SOAP", "TiO2"),
        ("krr", "ACE", "Si"),
    } <= keys
    assert ("fps", "SOAP", "Si") not in keys and ("rr", "SOAP", "CHON") not in keys
    assert pub_dim.curve(published_dir, "cur", "CHSF-mix", "AlNiCu", missing_ok=True) is None


def test_source_is_the_folder_or_a_file_in_it(published_dir, tmp_path):
    by_dir = pub_dim.curve(published_dir, "cur", "CHSF", "TiO2")
    pd.testing.assert_frame_equal(pub_dim.curve(published_dir / "CUR_results.json", "cur", "CHSF", "TiO2"), by_dir)
    pd.testing.assert_frame_equal(pub_dim.curve(published_dir / "PCA_results.json", "cur", "CHSF", "TiO2"), by_dir)
    with pytest.raises(DatasetError, match="CUR_results.json: published result file not found"):
        pub_dim.curve(tmp_path, "cur", "CHSF", "TiO2")


# --- sensitivity --------------------------------------------------------------------------------


def test_sensitivity_panels(published_dir):
    data = _json(published_dir, "figures-3-4-5-datasets.json")
    table = pub_sens.sensitivity_table(published_dir)
    reps = table.groupby("panel")["representation"].nunique().to_dict()
    assert reps == {"fig3": 8, "fig4": 8, "fig5a": 7, "fig5b": 7, "fig5c": 7, "fig5d": 7}
    assert "MBTR" not in set(table.loc[table["panel"].str.startswith("fig5"), "representation"])
    for panel, key, index in [
        ("fig3", "figure3_dataset", None),
        ("fig4", "figure4_dataset", None),
        ("fig5a", "figure5_dataset", 0),
        ("fig5d", "figure5_dataset", 3),
    ]:
        for rep, value in data[key].items():
            t, dV = value if index is None else value[index]
            df = pub_sens.sensitivity(published_dir, panel, rep)
            assert list(df.columns) == ["t", "dV"]
            np.testing.assert_array_equal(df["t"], t)
            np.testing.assert_array_equal(df["dV"], dV)
    assert pub_sens.sensitivity(published_dir, "fig5b", "MBTR", missing_ok=True) is None
    with pytest.raises(pub_files.PublishedDataError, match=r"figures-3-4-5-datasets\.json.*'MBTR'"):
        pub_sens.sensitivity(published_dir, "fig5b", "MBTR")


# --- regression ---------------------------------------------------------------------------------


def test_regression_sweeps(published_dir, tmp_path):
    data = _json(published_dir, "RR_results.json")
    rng = np.random.default_rng(1)
    problem = Problem(rng.normal(size=(12, 4)), rng.normal(size=12), np.full(12, 2.0), np.arange(8), np.arange(8, 12))
    ours = feature_sweep(problem, np.arange(4), "rr", {"rr_lambda": 1e-6}, [1, 2, 4])
    reps = [r for r, subs in data.items() if "test_KRR_RMSE_eV_atom" in subs.get("Si", {})]
    assert sorted(reps) == sorted(["ACSF-X", "ACSF", "SOAP", "SOAPlite", "CHSF", "ACE", "MBTR"])
    for model, (train_key, test_key, _) in pub_rr.MODEL_KEYS.items():
        for rep in reps:
            entry = data[rep]["Si"]
            df = pub_rr.regression(published_dir, model, "Si", rep)
            # the published columns, named and ordered as ours (which add the fit's hyperparameters and status)
            assert list(df.columns) == ["n", "train_rmse", "test_rmse", "percent"]
            assert list(df.columns) == [c for c in ours.columns if c in df.columns]
            assert df["n"].is_monotonic_increasing and df["n"].iloc[0] == 1
            np.testing.assert_array_equal(df["n"], np.arange(1, len(entry[test_key]) + 1))
            np.testing.assert_array_equal(df["test_rmse"], entry[test_key])
            np.testing.assert_array_equal(df["train_rmse"], entry[train_key])
            np.testing.assert_allclose(df["percent"], 100.0 * df["n"] / entry["feature_num_reduced"])
    assert pub_rr.regression(published_dir, "rr", "CHON", "SOAP", missing_ok=True) is None
    with pytest.raises(StudyError, match=r"RR_results\.json.*test_LR\+L2_RMSE_eV_atom"):
        pub_rr.regression(published_dir, "rr", "CHON", "SOAP")
    long = pub_rr.regression_table(published_dir, "krr")
    assert len(long) == sum(len(data[r]["Si"]["test_KRR_RMSE_eV_atom"]) for r in reps)


def test_regression_hyperparameters_and_ranking(published_dir):
    data = _json(published_dir, "RR_results.json")
    hyper = pub_rr.regression_hyperparameters(published_dir).set_index("representation")
    for rep, row in hyper.iterrows():
        entry = data[rep]["Si"]
        assert row["rr_lambda"] == entry["LR+L2_params"]["alpha"]
        assert row["krr_lambda"] == entry["KRR_params"]["alpha"]
        assert row["krr_gamma"] == entry["KRR_params"]["gamma"]
        order = pub_rr.regression_ranking(published_dir, rep)
        n = entry["feature_num_reduced"]
        assert sorted(order["feature"]) == list(range(n))
        assert list(order["feature"][: len(entry["feature_list"])]) == entry["feature_list"]
        assert len(entry["test_KRR_RMSE_eV_atom"]) == n


# --- bad files ---------------------------------------------------------------------------------


def test_missing_key_names_file_and_key(published_dir, tmp_path):
    data = _json(published_dir, "CUR_results.json")
    del data["SOAP"]["AlNiCu"]["total"]
    (tmp_path / "CUR_results.json").write_text(json.dumps(data))
    with pytest.raises(
        pub_files.PublishedDataError, match=r"CUR_results\.json: \['SOAP'\]\['AlNiCu'\] has no key 'total'"
    ):
        pub_dim.curve(tmp_path, "cur", "SOAP", "AlNiCu")
    assert issubclass(pub_files.PublishedDataError, StudyError)
    with pytest.raises(DatasetError, match=r"PCA_results\.json: published result file not found"):
        pub_dim.curve(tmp_path, "pca", "SOAP", "AlNiCu")
    with pytest.raises(pub_files.PublishedDataError, match=r"no entry for representation 'SOAP' on dataset 'Mars'"):
        pub_dim.curve(tmp_path, "cur", "SOAP", "Mars")


def test_the_authors_keys_map_through_the_classes(published_dir, tmp_path, monkeypatch):
    """Our names of the authors' keys come from each representation's published_keys
    (facts.yaml); the constant column QUIP appends is left out for those that say so (a
    class declaring it otherwise decides for itself)."""
    from descriptor_study import facts
    from descriptor_study.representations import registry

    assert pub_names.published_representations() == tuple(PAPER_TABLE1)
    for name in pub_names.published_representations():
        for key in facts.of(registry.get_class(name), "published_keys"):
            assert pub_names.our_names(key, "CHON") == (name, "CHON")
            assert pub_names.our_names(f"{key} (AlNiCu)", "9th Degree") == (f"{name}-degree9", "AlNiCu")
            assert pub_names.our_names(key, "Si(STD)") == (f"{name}-std", "Si")
            assert pub_names.our_names(f"{key}(STD)", "Si") == (f"{name}-std", "Si")
    assert pub_names.our_names("Unlisted", "Si") == ("Unlisted", "Si")
    assert pub_names.our_names("Unlisted (AlNiCu)", "9th Degree") == ("Unlisted (AlNiCu)", "9th Degree")
    # without CUR_results.json, the PCA curve keeps the PCA file's count less the constant column
    (tmp_path / "PCA_results.json").write_bytes((published_dir / "PCA_results.json").read_bytes())
    [constant] = registry.with_attribute("published_constant_column")
    n = _json(published_dir, "PCA_results.json")[constant]["AlNiCu"]["feature_num"]
    assert len(pub_dim.curve(tmp_path, "pca", constant, "AlNiCu")) == n - 1
    assert len(pub_dim.curve(published_dir, "pca", constant, "AlNiCu")) == n - 1
    monkeypatch.setattr(registry.get_class(constant), "published_constant_column", False, raising=False)
    assert len(pub_dim.curve(tmp_path, "pca", constant, "AlNiCu")) == n
