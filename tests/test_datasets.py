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

from descriptor_study.datasets import (
    build_dataset,
    fetch_dataset,
    git_blob_sha1,
    read_structures,
    alnicu_demo,
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
    spec = {"name": "demo", "url": f"{url}/good.extxyz", "git_sha1": git_blob_sha1(data),
            "sha256": hashlib.sha256(data).hexdigest()}
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
    spec = {"name": "demo", "url": f"http://127.0.0.1:{_unused_port()}/set.extxyz", "git_sha1": git_blob_sha1(data + b" ")}
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
    path.write_text(GOOD_FRAME + "3\nnot a comment line\nSi 0 0\n")
    with pytest.raises(DatasetError, match="garbage.extxyz: not a readable extxyz"):
        read_structures(path)


def test_overlap_across_periodic_boundary(tmp_path):
    path = tmp_path / "wrap.extxyz"
    path.write_text(GOOD_FRAME.replace("1.2 1.2 1.2", "4.98 0.0 0.0"))
    with pytest.raises(DatasetError, match="structure 0: atoms 0 and 1 overlap"):
        read_structures(path)


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
    build_dataset({"name": "Si-demo", "generator": "si_demo", "seed": 3, "n_structures": 60}, a)
    build_dataset({"name": "Si-demo", "generator": "si_demo", "seed": 3, "n_structures": 60}, b)
    assert a.read_bytes() == b.read_bytes()
    structures = read_structures(a)
    assert len(structures) == 60
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
