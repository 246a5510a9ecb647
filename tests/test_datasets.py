"""Datasets: download (real HTTP on 127.0.0.1), mirror, checksums, 7-zip, bad input,
the real AlNiCu copy and the demo generators."""

from __future__ import annotations

import functools
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk
from conftest import run_snakemake

from descriptor_study.datasets import (
    alnicu_demo,
    build_dataset,
    fetch_dataset,
    git_blob_sha1,
    read_structures,
    write_structures,
)
from descriptor_study.datasets.generate import stillinger_weber
from descriptor_study.datasets.remote import PINNED_SOURCES, file_git_blob_sha1, file_sha256
from descriptor_study.errors import ChecksumError, DatasetError, SpeciesError


def _small_dataset(path: Path) -> bytes:
    structures = []
    for k in range(3):
        atoms = bulk("Cu", "fcc", a=3.6 + 0.01 * k, cubic=True)
        atoms.info["energy"] = -3.5 * len(atoms) + 0.1 * k
        structures.append(atoms)
    write_structures(path, structures)
    return path.read_bytes()


@pytest.fixture
def http_root(tmp_path):
    """An HTTP server on 127.0.0.1 serving ``root``; yields (root, base_url)."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_git_blob_sha1_matches_git():
    # `printf 'hello\n' | git hash-object --stdin`
    assert git_blob_sha1(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_download_good_file(http_root, tmp_path):
    root, url = http_root
    data = _small_dataset(root / "good.extxyz")
    spec = {
        "name": "demo",
        "url": f"{url}/good.extxyz",
        "git_sha1": git_blob_sha1(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    dest = tmp_path / "out" / "demo.extxyz"
    fetch_dataset(spec, dest, cache_dir=tmp_path / "cache")
    assert dest.read_bytes() == data
    assert len(read_structures(dest)) == 3


@pytest.mark.parametrize("which", ["git_sha1", "sha256"])
def test_download_corrupt_file_leaves_nothing(http_root, tmp_path, which):
    root, url = http_root
    data = _small_dataset(root / "good.extxyz")
    corrupt = bytearray(data)
    corrupt[40] ^= 1
    (root / "bad.extxyz").write_bytes(bytes(corrupt))
    spec = {"name": "demo", "url": f"{url}/bad.extxyz", "git_sha1": git_blob_sha1(data)}
    if which == "sha256":
        spec = {"name": "demo", "url": f"{url}/bad.extxyz", "sha256": hashlib.sha256(data).hexdigest()}
    cache = tmp_path / "cache"
    dest = tmp_path / "out" / "demo.extxyz"
    with pytest.raises(ChecksumError, match="bad.extxyz"):
        fetch_dataset(spec, dest, cache_dir=cache)
    assert not dest.exists()
    assert not any(p.is_file() for p in cache.rglob("*")) if cache.exists() else True


def test_download_7z_archive(http_root, tmp_path):
    import py7zr

    root, url = http_root
    inner = tmp_path / "inner.extxyz"
    data = _small_dataset(inner)
    with py7zr.SevenZipFile(root / "set.extxyz.7z", "w") as archive:
        archive.write(inner, "set.extxyz")
    packed = (root / "set.extxyz.7z").read_bytes()
    spec = {"name": "demo", "url": f"{url}/set.extxyz.7z", "git_sha1": git_blob_sha1(packed), "archive": "7z"}
    dest = tmp_path / "out" / "demo.extxyz"
    fetch_dataset(spec, dest, cache_dir=tmp_path / "cache")
    assert dest.read_bytes() == data


def test_mirror_is_used_before_the_network(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "demo").mkdir(parents=True)
    data = _small_dataset(mirror / "demo" / "set.extxyz")
    # nothing listens on this port: a network attempt would fail
    spec = {"name": "demo", "url": f"http://127.0.0.1:{_unused_port()}/x/set.extxyz", "git_sha1": git_blob_sha1(data)}
    dest = tmp_path / "demo.extxyz"
    fetch_dataset(spec, dest, mirror=mirror, cache_dir=tmp_path / "cache")
    assert dest.read_bytes() == data
    # the same spec without the mirror must try the network and fail
    with pytest.raises(DatasetError, match="download failed"):
        fetch_dataset(spec, tmp_path / "other.extxyz", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "other.extxyz").exists()


def test_corrupt_mirrored_file(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "demo").mkdir(parents=True)
    data = _small_dataset(mirror / "demo" / "set.extxyz")
    spec = {
        "name": "demo",
        "url": f"http://127.0.0.1:{_unused_port()}/set.extxyz",
        "git_sha1": git_blob_sha1(data + b" "),
    }
    with pytest.raises(ChecksumError, match="git blob sha1"):
        fetch_dataset(spec, tmp_path / "demo.extxyz", mirror=mirror)
    assert not (tmp_path / "demo.extxyz").exists()


def test_real_alnicu_copy(alnicu_path):
    spec = PINNED_SOURCES["AlNiCu"]
    assert file_git_blob_sha1(alnicu_path) == spec["git_sha1"]
    assert file_sha256(alnicu_path) == spec["sha256"]
    structures = read_structures(alnicu_path, energy_key="nomad_total_energy", require_energy=False)
    assert len(structures) == 3337
    assert sum(len(a) for a in structures) == 27987
    # only the VASP entries carry nomad_total_energy
    assert sum("energy" in a.info for a in structures) == 1016
    with pytest.raises(DatasetError, match="structure 472: has no energy"):
        read_structures(alnicu_path, energy_key="nomad_total_energy")


def test_build_dataset_from_mirror(shared_datasets, tmp_path):
    dest = tmp_path / "AlNiCu.extxyz"
    build_dataset({"name": "AlNiCu", "source": "AlNiCu"}, dest, mirror=shared_datasets, cache_dir=tmp_path / "cache")
    structures = read_structures(dest, require_energy=False)  # the one key is now "energy"
    assert len(structures) == 3337
    assert sum("energy" in a.info for a in structures) == 1016
    assert "nomad_total_energy" not in structures[0].info


# --- bad input: one error naming the file and the structure index -------------------------

GOOD_FRAME = """2
Lattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3 energy=-1.0 pbc="T T T"
Si 0.0 0.0 0.0
Si 1.2 1.2 1.2
"""


@pytest.mark.parametrize(
    "second_frame, message",
    [
        (GOOD_FRAME.replace(" energy=-1.0", ""), "structure 1: has no energy"),
        (GOOD_FRAME.replace("1.2 1.2 1.2", "nan 1.2 1.2"), "structure 1: atom 1 has a non-finite position"),
        (GOOD_FRAME.replace("1.2 1.2 1.2", "0.01 0.0 0.0"), "structure 1: atoms 0 and 1 overlap"),
        (GOOD_FRAME.replace("energy=-1.0", "energy=nan"), "structure 1: energy is nan"),
    ],
)
def test_bad_structure_is_named(tmp_path, second_frame, message):
    path = tmp_path / "broken.extxyz"
    path.write_text(GOOD_FRAME + second_frame)
    with pytest.raises(DatasetError) as info:
        read_structures(path)
    assert "broken.extxyz" in str(info.value) and message in str(info.value)


def test_unreadable_file(tmp_path):
    path = tmp_path / "garbage.extxyz"
    path.write_text(GOOD_FRAME + "2\nnot a comment line\nSi 0 0\nSi a b c\n")
    with pytest.raises(DatasetError, match="garbage.extxyz: not a readable extxyz"):
        read_structures(path)


@pytest.mark.parametrize(
    "count, message",
    [
        ("3", "structure 1 announces 3 atoms but only 1 lines follow"),
        ("99999999999", "structure 1 announces 99999999999 atoms"),  # would make the reader loop
        ("three", "expected the atom count of structure 1, found 'three'"),
    ],
)
def test_atom_count_lines_are_checked_before_reading(tmp_path, count, message):
    path = tmp_path / "counts.extxyz"
    path.write_text(GOOD_FRAME + f'{count}\nPBC="F F F"\nSi 0 0 0\n')
    with pytest.raises(DatasetError) as info:
        read_structures(path)
    assert message in str(info.value) and "counts.extxyz: line" in str(info.value)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda f: f.replace("1.2 1.2 1.2", "1.2 1.2 1e15"), "span 1e+15 Å along z"),
        (lambda f: f.replace('Lattice="5 0 0', 'Lattice="5 inf 0'), "non-finite entries"),
    ],
)
def test_absurd_positions_and_cells_are_stopped(tmp_path, edit, message):
    path = tmp_path / "absurd.extxyz"
    text = edit(GOOD_FRAME)
    assert text != GOOD_FRAME
    path.write_text(text)
    with pytest.raises(DatasetError) as info:
        read_structures(path)
    assert message in str(info.value) and "absurd.extxyz: structure 0" in str(info.value)


def test_overlap_across_periodic_boundary(tmp_path):
    path = tmp_path / "wrap.extxyz"
    path.write_text(GOOD_FRAME.replace("1.2 1.2 1.2", "4.98 0.0 0.0"))
    with pytest.raises(DatasetError, match="structure 0: atoms 0 and 1 overlap"):
        read_structures(path)


def test_a_checked_file_is_read_without_any_neighbour_list(tmp_path, monkeypatch):
    """The workflow's jobs read the file its dataset step wrote, which that step scanned for
    overlaps (the error above): they build no neighbour list, the most of a read's time."""
    from descriptor_study.datasets import io

    path = tmp_path / "wrap.extxyz"
    path.write_text(GOOD_FRAME.replace("1.2 1.2 1.2", "4.98 0.0 0.0"))
    monkeypatch.setattr(io, "_neighbor_list", lambda: pytest.fail("a neighbour list was built"))
    structures = read_structures(path, warn_close_atoms=False)
    assert len(structures) == 1 and structures[0].get_distance(0, 1, mic=True) < io.MIN_DISTANCE


def test_species_outside_the_list(tmp_path):
    path = tmp_path / "si.extxyz"
    path.write_text(GOOD_FRAME + GOOD_FRAME.replace("Si 1.2", "Ge 1.2"))
    with pytest.raises(SpeciesError, match=r"si.extxyz: structure 1 contains \['Ge'\]"):
        build_dataset({"name": "si", "file": str(path), "species": ["Si"]}, tmp_path / "out.extxyz")
    assert not (tmp_path / "out.extxyz").exists()


# --- demo generators ----------------------------------------------------------------------


def test_stillinger_weber_diamond_energy():
    atoms = bulk("Si", "diamond", a=5.431, cubic=True)
    atoms.calc = stillinger_weber()
    # published SW cohesive energy of diamond Si: -2 eps = -4.3366 eV/atom
    assert atoms.get_potential_energy() / len(atoms) == pytest.approx(-4.3366, abs=2e-4)


@pytest.mark.slow
def test_si_demo_is_deterministic_and_complete(tmp_path):
    a, b = tmp_path / "a.extxyz", tmp_path / "b.extxyz"
    build_dataset({"name": "Si-demo", "generator": "si_demo", "seed": 3, "n_structures": 16}, a)
    build_dataset({"name": "Si-demo", "generator": "si_demo", "seed": 3, "n_structures": 16}, b)
    assert a.read_bytes() == b.read_bytes()
    structures = read_structures(a)
    assert len(structures) == 16
    types = {s.info["config_type"] for s in structures}
    assert types == {"isolated_atom", "diamond", "vacancy", "beta_sn", "surface_100", "liquid"}
    isolated = [s for s in structures if s.info["config_type"] == "isolated_atom"]
    assert len(isolated) == 1 and len(isolated[0]) == 1 and isolated[0].info["energy"] == 0.0
    liquid = [s.info["energy"] / len(s) for s in structures if s.info["config_type"] == "liquid"]
    assert min(liquid) > -4.33  # hot frames lie above the diamond ground state


def test_alnicu_demo_is_deterministic():
    one, two = alnicu_demo(5, 40), alnicu_demo(5, 40)
    assert len(one) == 40
    for x, y in zip(one, two):
        assert x.get_chemical_symbols() == y.get_chemical_symbols()
        assert np.array_equal(x.positions, y.positions) and x.info["energy"] == y.info["energy"]
    assert {s.info["config_type"] for s in one if len(s) == 1} == {"isolated_atom"}
    assert sorted(s.get_chemical_symbols()[0] for s in one if len(s) == 1) == ["Al", "Cu", "Ni"]
    assert alnicu_demo(6, 40)[10].info["energy"] != one[10].info["energy"]


@pytest.mark.parametrize("server", ["closed port", "404"])
def test_empty_mirror_names_both_places_and_leaves_no_cache(http_root, tmp_path, server):
    root, url = http_root  # serves an empty folder: every file is a 404
    base = f"http://127.0.0.1:{_unused_port()}" if server == "closed port" else url
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    cache = tmp_path / "data" / "cache"
    spec = {"name": "demo", "url": f"{base}/x/set.extxyz", "git_sha1": git_blob_sha1(b"never served")}
    with pytest.raises(DatasetError) as info:
        build_dataset(spec, tmp_path / "data" / "demo.extxyz", mirror=mirror, cache_dir=cache)
    message = str(info.value)
    assert "\n" not in message
    assert f"tried {mirror / 'demo' / 'set.extxyz'}" in message  # the mirror path looked at
    assert f"download failed from {spec['url']} into {cache / 'demo-set.extxyz'}" in message
    assert ("[Errno 111] Connection refused" if server == "closed port" else "404") in message
    assert message.endswith(f"place the file at {mirror / 'demo' / 'set.extxyz'}, or check the URL and the network")
    assert not (tmp_path / "data").exists()  # neither data/cache nor data/ is left behind
    assert list(mirror.iterdir()) == []
    # a cache folder that was there before stays
    cache.mkdir(parents=True)
    with pytest.raises(DatasetError, match="download failed"):
        build_dataset(spec, tmp_path / "data" / "demo.extxyz", mirror=mirror, cache_dir=cache)
    assert cache.is_dir() and list(cache.iterdir()) == []


def test_no_mirror_set_says_which_key(tmp_path):
    spec = {"name": "demo", "url": f"http://127.0.0.1:{_unused_port()}/set.extxyz", "git_sha1": git_blob_sha1(b"x")}
    with pytest.raises(DatasetError) as info:
        fetch_dataset(spec, tmp_path / "demo.extxyz", cache_dir=tmp_path / "cache")
    assert str(info.value).startswith("set.extxyz: no mirror set (data.mirror), and download failed from ")
    assert str(info.value).endswith(
        "set data.mirror to a directory holding demo/set.extxyz, or check the URL and the network"
    )
    assert list(tmp_path.iterdir()) == []


# --- issue 12: bad input found at the dataset step, one line each ---------------------------

SLAB_FRAME = GOOD_FRAME.replace('0 0 0 5"', '0 0 0 0"').replace('pbc="T T T"', 'pbc="T T F"')


@pytest.mark.parametrize(
    "second_frame, message",
    [
        (
            SLAB_FRAME,
            "structure 1: pbc T T F with a zero cell vector 3 (a non-periodic direction), which the "
            "representations cannot use; give cell vector 3 a length (vacuum beyond the atoms) or set "
            "pbc F F F",
        ),
        (
            GOOD_FRAME.replace('0 5 0 0 0 5"', '0 0 0 0 0 5"'),
            "structure 1: pbc T T T with a zero cell vector 2 (a periodic direction), which the representations "
            "cannot use; give cell vector 2 its period or set pbc F F F",
        ),
        (
            SLAB_FRAME.replace('pbc="T T F"', 'pbc="F T F"').replace("5 0 0 0 5 0", "0 0 0 0 5 0"),
            "structure 1: pbc F T F with a zero cell vector 1 (a non-periodic direction)",
        ),
        (
            GOOD_FRAME.replace("Si 1.2", "X 1.2").replace("energy=-1.0", "energy=-1.0 source_file=run7/OUTCAR"),
            "structure 1 (source_file run7/OUTCAR): atom 1 is a dummy atom X (atomic number 0)",
        ),
    ],
    ids=["slab-without-vacuum-vector", "zero-periodic-vector", "zero-vector-one-periodic-axis", "dummy-atom"],
)
def test_unusable_structure_stops_the_dataset_step(tmp_path, second_frame, message):
    """Before: a slab without a third cell vector and dummy atoms passed the dataset step
    (and the slab ended in a DScribe traceback naming neither file nor structure)."""
    path = tmp_path / "bad.extxyz"
    path.write_text(GOOD_FRAME + second_frame)
    out = tmp_path / "out.extxyz"
    with pytest.raises(DatasetError) as info:
        build_dataset({"name": "bad", "file": str(path)}, out)
    assert str(info.value).startswith(f"{path}: {message}")
    assert not out.exists()


def test_slab_with_a_vacuum_vector_is_kept(tmp_path):
    path = tmp_path / "slab.extxyz"
    path.write_text(GOOD_FRAME + SLAB_FRAME.replace('0 0 0 0"', '0 0 0 20"'))
    structures = read_structures(path)
    assert [a.pbc.tolist() for a in structures] == [[True] * 3, [True, True, False]]
    assert structures[1].cell[2, 2] == 20.0


def test_missing_energy_stops_a_regression_dataset(tmp_path):
    """Before: build_dataset kept every structure without energy; the regression found the
    gap after the representations and CUR rankings ran."""
    path = tmp_path / "set.extxyz"
    path.write_text(GOOD_FRAME + GOOD_FRAME.replace(" energy=-1.0", " source_file=md/frame12.xyz"))
    out = tmp_path / "out.extxyz"
    build_dataset({"name": "set", "file": str(path)}, out)  # not a regression dataset: kept
    assert [("energy" in a.info) for a in read_structures(out, require_energy=False)] == [True, False]
    out.unlink()
    with pytest.raises(DatasetError) as info:
        build_dataset({"name": "set", "file": str(path)}, out, require_energy=True)
    assert str(info.value) == (
        f"{path}: structure 1 (source_file md/frame12.xyz): has no energy, which regression.datasets (set) "
        f"needs (looked for info key 'energy' and a calculator energy; set datasets.set.energy_key if the "
        f"energies are under another key, or remove the structure)"
    )
    assert not out.exists()


def test_misspelt_energy_key_names_the_keys_there_are(tmp_path):
    """Before: a misspelt energy_key dropped every energy silently."""
    path = tmp_path / "dft.extxyz"
    frame = GOOD_FRAME.replace("energy=-1.0", "dft_energy=-1.0 free_energy=-1.1 temperature=300")
    path.write_text(frame + frame)
    out = tmp_path / "out.extxyz"
    with pytest.raises(DatasetError) as info:
        build_dataset({"name": "dft", "file": str(path), "energy_key": "dft_enrgy"}, out)
    assert str(info.value) == (
        f"{path}: no structure has the energy key 'dft_enrgy' (datasets.dft.energy_key); energy-like keys in "
        f"the file: info dft_energy; calculator results free_energy"
    )
    assert not out.exists()
    build_dataset({"name": "dft", "file": str(path), "energy_key": "dft_energy"}, out)
    assert [a.info["energy"] for a in read_structures(out)] == [-1.0, -1.0]
    # a key some frames lack is fine until a stage needs every energy
    path.write_text(frame + GOOD_FRAME.replace("energy=-1.0", "temperature=300"))
    with pytest.raises(DatasetError, match=r"structure 1: has no energy, which regression.datasets \(dft\)"):
        build_dataset({"name": "dft", "file": str(path), "energy_key": "dft_energy"}, out, require_energy=True)


# --- the workflow: a file: dataset's source is an input; regression datasets need energies --


def _age(path: Path, seconds: float) -> None:
    import os
    import time

    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


def test_editing_a_file_dataset_reruns_its_dataset_job(repo_root, tmp_path):
    """Before: the source file was no input of the dataset job; after editing it Snakemake
    said "Nothing to be done"."""
    (tmp_path / "src").mkdir()
    (tmp_path / "data").mkdir()
    source, built = tmp_path / "src" / "mine.extxyz", tmp_path / "data" / "mine.extxyz"
    source.write_text(GOOD_FRAME * 3)
    built.write_text(GOOD_FRAME * 3)
    _age(source, 100)
    _age(built, 50)
    config = tmp_path / "mine.yaml"
    config.write_text("datasets:\n  mine: {file: src/mine.extxyz}\nrepresentations:\n  ACSF: {}\n")
    res = run_snakemake(tmp_path, "--cores", "1", "data/mine.extxyz", "-n", "--configfile", str(config))
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Nothing to be done" in res.stdout + res.stderr
    source.write_text(GOOD_FRAME * 4)  # the user edits the source
    res = run_snakemake(tmp_path, "--cores", "1", "data/mine.extxyz", "-n", "--configfile", str(config))
    assert res.returncode == 0, res.stderr[-2000:]
    out = res.stdout + res.stderr
    assert "rule dataset:" in out and "Updated input files: src/mine.extxyz" in out


@pytest.mark.slow
def test_dataset_job_of_a_regression_dataset_needs_every_energy(repo_root, tmp_path):
    """The workflow passes require_energy to the dataset job of a regression.datasets entry."""
    (tmp_path / "mine.extxyz").write_text(GOOD_FRAME + GOOD_FRAME.replace(" energy=-1.0", ""))
    config = tmp_path / "mine.yaml"
    config.write_text(
        "datasets:\n  mine: {file: mine.extxyz}\n  other: {file: mine.extxyz}\n"
        "representations:\n  ACSF: {}\nregression:\n  datasets: [mine]\n  search: true\n"
    )
    res = run_snakemake(
        tmp_path, "--cores", "1", "data/mine.extxyz", "data/other.extxyz", "--keep-going", "--configfile", str(config)
    )
    assert res.returncode != 0
    errors = [line for line in res.stderr.splitlines() if " descriptor_study: " in line]  # run_step's one line
    assert len(errors) == 1, res.stderr[-3000:]
    assert errors[0].endswith(
        "mine.extxyz: structure 1: has no energy, which regression.datasets (mine) needs (looked for info key "
        "'energy' and a calculator energy; set datasets.mine.energy_key if the energies are under another key, "
        "or remove the structure)"
    )
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "data" / "mine.extxyz").exists()
    assert (tmp_path / "data" / "other.extxyz").exists()  # not a regression dataset: kept without the energy


def test_close_atoms_warned_on_reading_and_skipped_for_checked_files(tmp_path, caplog):
    """Atoms closer than SUSPICIOUS_DISTANCE give one warning when a source is read; the
    workflow's jobs, which read the file the dataset step already scanned, skip the scan."""
    import logging

    from ase import Atoms
    from ase.io import write

    from descriptor_study.datasets import io

    close = Atoms("Si2", positions=[[0, 0, 0], [0.5 * io.SUSPICIOUS_DISTANCE, 0, 0]], cell=[8, 8, 8], pbc=True)
    far = Atoms("Si2", positions=[[0, 0, 0], [2.35, 0, 0]], cell=[8, 8, 8], pbc=True)
    path = tmp_path / "set.extxyz"
    write(path, [far, close], format="extxyz")
    with caplog.at_level(logging.WARNING, logger=io.log.name):
        io.read_structures(path, require_energy=False)
    warned = [r.getMessage() for r in caplog.records if "closer than" in r.getMessage()]
    assert len(warned) == 1 and "1 structures" in warned[0] and "closest: structure 1, 0.25 Å" in warned[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=io.log.name):
        structures = io.read_structures(path, require_energy=False, warn_close_atoms=False)
    assert len(structures) == 2 and not [r for r in caplog.records if "closer than" in r.getMessage()]


# --- issue 21: a file cut inside a line; structures denser than matter ----------------------


def _cu_frames(n: int = 3) -> list:
    frames = []
    for k in range(n):
        atoms = bulk("Cu", "fcc", a=3.6, cubic=True)
        atoms.rattle(0.02, seed=k)
        atoms.info["energy"] = -3.5 * len(atoms) + 0.1 * k
        frames.append(atoms)
    return frames


def test_file_cut_inside_an_atom_line_names_the_line(tmp_path):
    """Before: "not a readable extxyz file (ValueError: could not assign tuple of length 3 to
    structure with 4 fields.)", naming neither the structure nor the line."""
    from ase.io import write

    whole = tmp_path / "whole.extxyz"
    write(whole, _cu_frames(), format="extxyz")  # 3 frames of 4 atoms: lines 1-6, 7-12, 13-18
    lines = whole.read_text().splitlines(keepends=True)
    assert len(lines) == 18 and len(lines[17].split()) == 4
    cut = tmp_path / "cut.extxyz"
    cut.write_text("".join(lines[:17]) + lines[17][:30])  # a copy that stopped inside the last number but one
    out = tmp_path / "out.extxyz"
    with pytest.raises(DatasetError) as info:
        build_dataset({"name": "cut", "file": str(cut)}, out)
    assert str(info.value) == (
        f"{cut}: not a readable extxyz file: line 18 (structure 2, atom 3) has 3 columns, "
        f"Properties=species:S:1:pos:R:3 needs 4; the file ends inside this line, so it was cut short (an "
        f"interrupted copy or download?)"
    )
    assert not out.exists()
    # a broken value inside the file: its line, structure, atom and column
    cut.write_text("".join(lines[:9]) + lines[9].replace(lines[9].split()[2], "1.2.3") + "".join(lines[10:]))
    with pytest.raises(DatasetError) as info:
        read_structures(cut)
    assert str(info.value) == (
        f"{cut}: not a readable extxyz file: line 10 (structure 1, atom 1): column 3 (pos) is '1.2.3', not a real "
        f"number"
    )


def test_file_cut_inside_its_last_number_is_warned(tmp_path, caplog):
    """A cut that leaves a number (``-0.`` of ``-0.0214``) still reads: the missing line break
    at the end is reported."""
    import logging

    from ase.io import write

    from descriptor_study.datasets import io

    path = tmp_path / "cut.extxyz"
    write(path, _cu_frames(2), format="extxyz")
    text = path.read_text()
    path.write_text(text[: len(text) - 5])
    with caplog.at_level(logging.WARNING, logger=io.log.name):
        assert len(read_structures(path)) == 2
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: the file does not end with a line break: its last line (line 12, structure 1, atom 3) may be "
        f"cut short"
    ]


def test_file_cut_inside_an_atom_line_mid_structure_names_the_cut(tmp_path):
    """A copy that stopped inside an atom line of a structure, not its last: before, the
    message named only the count line ("line 31: structure 5 announces 4 atoms but only 3
    lines follow its comment line"), not the cut line nor that the file was cut."""
    from ase.io import write

    whole = tmp_path / "whole.extxyz"
    write(whole, _cu_frames(7), format="extxyz")  # 7 frames of 4 atoms: structure 5 is lines 31-36
    lines = whole.read_text().splitlines(keepends=True)
    assert lines[30] == "4\n" and len(lines[34].split()) == 4
    cut = tmp_path / "cut.extxyz"
    cut.write_text("".join(lines[:34]) + lines[34][:12])  # stops inside line 35, atom 2 of structure 5
    assert len(lines[34][:12].split()) == 2
    out = tmp_path / "out.extxyz"
    with pytest.raises(DatasetError) as info:
        build_dataset({"name": "cut", "file": str(cut)}, out)
    assert str(info.value) == (
        f"{cut}: line 35 (structure 5, atom 2) is cut: it has 2 columns, Properties=species:S:1:pos:R:3 needs 4; "
        f"the file ends there: it was cut short (an interrupted copy or download?); structure 5 (line 31) is "
        f"short: 2 whole atom lines of the 4 it announces (line 31: structure 5 announces 4 atoms but only 3 "
        f"lines follow its comment line)"
    )
    assert not out.exists()
    # the same cut, then the rest of a file joined on (the next structure's count on its own line)
    cut.write_text("".join(lines[:34]) + lines[34][:12] + "\n" + "".join(lines[36:]))
    with pytest.raises(DatasetError) as info:
        build_dataset({"name": "cut", "file": str(cut)}, out)
    assert str(info.value).startswith(
        f"{cut}: line 35 (structure 5, atom 2) is cut: it has 2 columns, Properties=species:S:1:pos:R:3 needs 4; "
        f"line 36 looks like the next structure's count line; structure 5 (line 31) is short: 2 whole atom "
        f"lines of the 4 it announces (line 37: expected the atom count of structure 6, found 'Lattice="
    )
    assert not out.exists()
    # a structure whose atom lines are whole but fewer than its count: the count line of the
    # next structure comes where its last atom should be
    cut.write_text("".join(lines[:35]) + "".join(lines[36:]))
    with pytest.raises(DatasetError) as info:
        read_structures(cut)
    assert str(info.value).startswith(
        f"{cut}: line 36 (structure 5, atom 3) looks like the atom count of the next structure, not an atom "
        f"line: structure 5 (line 31) is short: 3 whole atom lines of the 4 it announces (line 37: expected the "
        f"atom count of structure 6, found 'Lattice="
    )


def _dense_cube(n: int = 500, side: float = 5.0, seed: int = 1):
    """``n`` Si atoms in a periodic cube of ``side`` Å, on a jittered grid (no two closer
    than SUSPICIOUS_DISTANCE: the close-atoms scan does not see it)."""
    from ase import Atoms

    per_side = int(np.ceil(n ** (1 / 3)))
    grid = np.stack(np.meshgrid(*[np.arange(per_side)] * 3, indexing="ij"), -1).reshape(-1, 3) * side / per_side
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(len(grid), n, replace=False))
    atoms = Atoms(f"Si{n}", positions=grid[keep] + rng.normal(scale=0.01, size=(n, 3)), cell=[side] * 3, pbc=True)
    atoms.info["energy"] = -1.0 * n
    return atoms


def _dense_file(path: Path) -> Path:
    """Si diamond with a pair 0.45 Å apart, a 27-atom cube of 2.7 Å (1.37 atoms/Å³), diamond
    with a pair 0.3 Å apart, the 500-atom cube of 5 Å (4 atoms/Å³)."""
    from ase.io import write

    frames = []
    for distance in (0.45, 0.3):
        atoms = bulk("Si", "diamond", a=5.43, cubic=True)
        atoms.positions[1] = atoms.positions[0] + [distance, 0.0, 0.0]
        atoms.info["energy"] = -30.0
        frames.append(atoms)
    write(path, [frames[0], _dense_cube(27, 2.7), frames[1], _dense_cube()], format="extxyz")
    return path


def test_denser_than_matter_stops_the_dataset_step(tmp_path):
    """Before: the dataset step passed the 500-atom cube of 5 Å (its atoms are no closer than
    0.5 Å) and the representation job ran for many minutes."""
    from descriptor_study.datasets import io

    path = _dense_file(tmp_path / "dense.extxyz")
    out = tmp_path / "data" / "dense.extxyz"
    with pytest.raises(DatasetError) as info:
        build_dataset({"name": "dense", "file": str(path)}, out)
    assert str(info.value) == (
        f"{path}: structure 3: 500 atoms in 125 Å³ (its periodic cell) is 4 atoms/Å³, denser than any matter (above "
        f"1 atom/Å³, 5.7 times diamond, the densest elemental solid); 1 more structures above it: 1 (1.37); the "
        f"representations would search thousands of neighbours per atom for hours. Check the cell (Lattice) and the "
        f"units of the positions, or set datasets.dense.allow_dense: true to keep such structures"
    )
    assert not out.exists() and not out.parent.exists()
    assert pytest.approx(0.1762, abs=1e-4) == io.DIAMOND_DENSITY


def test_densest_and_closest_structures_are_named(tmp_path, caplog):
    """Kept with allow_dense, the warnings name the densest structure and the structures with
    the closest atoms.  Before: one warning, "first: structure 0", the first structure with a
    pair below 0.5 Å (0.45 Å), not structure 2 (0.3 Å), and none about the dense cube, whose
    atoms are more than 0.5 Å apart."""
    import logging

    from descriptor_study.datasets import io

    path = _dense_file(tmp_path / "dense.extxyz")
    with caplog.at_level(logging.WARNING, logger=io.log.name):
        structures = read_structures(path, dataset="dense", allow_dense=True)
    assert len(structures) == 4
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: 2 structures denser than 1 atoms/Å³ (densest: structure 3, 4 atoms/Å³); kept "
        f"(datasets.dense.allow_dense)",
        f"{path}: 2 structures have atoms closer than 0.50 Å (closest: structure 2, 0.3 Å; then 0 (0.45 Å)); "
        f"kept as they are",
    ]


@pytest.mark.slow
def test_denser_than_matter_through_the_snakefile(repo_root, tmp_path):
    """The dataset job stops on the dense cube with one line and no data file; the config
    key it names lets it through."""
    from ase.io import write

    diamond = bulk("Si", "diamond", a=5.43, cubic=True)
    diamond.info["energy"] = -40.0
    write(tmp_path / "dense.extxyz", [diamond, _dense_cube()], format="extxyz")
    config = tmp_path / "dense.yaml"
    config.write_text("datasets:\n  dense: {file: dense.extxyz}\nrepresentations:\n  ACSF: {}\n")
    res = run_snakemake(tmp_path, "--cores", "1", "data/dense.extxyz", "--configfile", str(config))
    assert res.returncode != 0
    errors = [line for line in res.stderr.splitlines() if " descriptor_study: " in line]  # run_step's one line
    assert len(errors) == 1, res.stderr[-3000:]
    assert errors[0].endswith(
        "dense.extxyz: structure 1: 500 atoms in 125 Å³ (its periodic cell) is 4 atoms/Å³, denser than any matter "
        "(above 1 atom/Å³, 5.7 times diamond, the densest elemental solid); the representations would search "
        "thousands of neighbours per atom for hours. Check the cell (Lattice) and the units of the positions, or "
        "set datasets.dense.allow_dense: true to keep such structures"
    )
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "data" / "dense.extxyz").exists()
    config.write_text("datasets:\n  dense: {file: dense.extxyz, allow_dense: true}\nrepresentations:\n  ACSF: {}\n")
    res = run_snakemake(tmp_path, "--cores", "1", "data/dense.extxyz", "--configfile", str(config))
    assert res.returncode == 0, res.stderr[-3000:]
    assert len(read_structures(tmp_path / "data" / "dense.extxyz", warn_close_atoms=False)) == 2


def test_density_of_molecules_slabs_and_crystals():
    """Periodic: the cell; along a non-periodic direction the atoms' extent, 1 Å added on
    each side (so an isolated atom is 1/8 atom/Å³)."""
    from ase import Atoms
    from ase.build import fcc111, molecule

    from descriptor_study.datasets.io import MAX_DENSITY, number_density

    assert number_density(bulk("C", "diamond", a=3.567, cubic=True))[0] == pytest.approx(0.1762, abs=1e-4)
    assert number_density(Atoms("Si", positions=[[10, 10, 10]], cell=[20] * 3))[:2] == (0.125, 8.0)
    water = molecule("H2O")
    water.center(vacuum=10.0)
    rho, volume, what = number_density(water)
    assert rho < MAX_DENSITY and what == "its atoms' bounding box, 1 Å added a side"
    slab = fcc111("Cu", size=(2, 2, 3), vacuum=10.0)  # pbc T T F, 20 Å of vacuum in its cell
    rho, volume, what = number_density(slab)
    area = np.linalg.norm(np.cross(slab.cell[0], slab.cell[1]))
    thickness = np.ptp(slab.positions[:, 2]) + 2.0
    assert volume == pytest.approx(area * thickness) and what.startswith("its cell area times its extent across")
    assert rho == pytest.approx(12 / (area * thickness)) and 0.05 < rho < 0.2  # fcc Cu: 0.085 in the bulk
    blob = Atoms("C64", positions=np.random.default_rng(0).uniform(0, 1.5, size=(64, 3)))  # no cell, no pbc
    assert number_density(blob)[0] > MAX_DENSITY


@pytest.mark.shared_data
def test_the_paper_datasets_are_far_below_the_density_limit(shared_datasets):
    """The offline copies of the paper's data: AlNiCu's densest structure has 0.1005 atoms/Å³,
    TiO2's 0.152, against the limit of 1."""
    from ase.io import read

    from descriptor_study.datasets.io import MAX_DENSITY, number_density

    densest = {}
    for name, path in [
        ("AlNiCu", shared_datasets / "AlNiCu" / "dataset_AlNiCu.extxyz"),
        ("TiO2", shared_datasets / "TiO2-aenet" / "TiO2-aenet.extxyz"),
    ]:
        if not path.is_file():
            pytest.skip(f"{path.name} missing from ../shared/datasets")
        densest[name] = max(number_density(a)[0] for a in read(path, index=":"))
    assert densest["AlNiCu"] == pytest.approx(0.1005, abs=1e-4)
    assert densest["TiO2"] == pytest.approx(0.1524, abs=1e-4)
    assert max(densest.values()) < MAX_DENSITY / 6


def test_generators_hold_the_species_the_config_check_expects():
    """datasets.generate.SPECIES (what validate_config knows of a generated dataset before
    any job): every element present, each with its isolated atom."""
    from descriptor_study.datasets import dataset_species
    from descriptor_study.datasets.generate import SPECIES

    structures = alnicu_demo(seed=3, n_structures=10)
    assert tuple(dataset_species(structures)) == SPECIES["alnicu_demo"]
    isolated = {a.get_chemical_symbols()[0] for a in structures if len(a) == 1 and not a.pbc.any()}
    assert isolated == set(SPECIES["alnicu_demo"])
    assert SPECIES["si_demo"] == ("Si",) and set(SPECIES) == {"si_demo", "alnicu_demo"}
