"""The pinned inputs: where each public file the study reads lives, and its checksums.

One place for these facts, read by the modules that fetch and check the files
(``datasets.remote`` for the datasets and the authors' single files, ``published`` for
the authors' result files).  The standard library only, and of this package only the
names of :mod:`.vocabulary`: any module may read the pins without importing the code that
uses them.

A file is checked by its git blob sha1 (``sha1(b"blob <len>\\0" + data)``, which the
hosting repository publishes implicitly) and by sha256 where one is known.
"""

from __future__ import annotations

from typing import Any

from .vocabulary import PUBLISHED_DATASETS

_RAW = "https://raw.githubusercontent.com/{owner}/{repo}/{commit}/{path}"

#: the authors' results repository and commit: the published results and the Si and TiO2
#: archives
PUBLISHED_REPOSITORY = "DescriptorZoo/sensitivity-dimensionality-results"
PUBLISHED_COMMIT = "e0c6e1946a62b8c94dcce669625a6bfd90e23f5f"

_owner, _repo = PUBLISHED_REPOSITORY.split("/")
#: the authors' results repository: the Si and TiO2 archives sit beside the published results
_RESULTS = dict(owner=_owner, repo=_repo, commit=PUBLISHED_COMMIT)
_MATERIALS = dict(owner="DescriptorZoo", repo="Materials-Datasets", commit="9c9040fde2a4e8f7c720a2937e7e478bdd54910d")

#: the paper's datasets (docs/paper-settings.md): name → where and how to check, in the
#: order of :data:`PUBLISHED_DATASETS` (Si, CHON, AlNiCu, TiO2: each URL names its dataset)
PINNED_SOURCES: dict[str, dict[str, Any]] = dict(
    zip(
        PUBLISHED_DATASETS,
        (
            {
                "url": _RAW.format(**_RESULTS, path="datasets/Si/Si.extxyz.7z"),
                "git_sha1": "aa52dd9750db3acc4580392d429242cac9e93a3a",
                "sha256": None,
                "archive": "7z",
                "energy_key": None,
            },
            {
                "url": _RAW.format(**_MATERIALS, path="CHON/dataset_CHON.extxyz"),
                "git_sha1": "ce44176dcc39f4bb6767f6893f68b848b3a04a1f",
                "sha256": None,
                "archive": None,
                "energy_key": None,
            },
            {
                "url": _RAW.format(**_MATERIALS, path="AlNiCu/dataset_AlNiCu.extxyz"),
                "git_sha1": "b590657c69c41b12ce6ac7e6bdf1647677a1fda4",
                "sha256": "7859e0156f599ab9de9bec6bf633f1c36d98737510b3d16c224e520e79908638",
                "archive": None,
                "energy_key": "nomad_total_energy",
            },
            {
                "url": _RAW.format(**_RESULTS, path="datasets/TiO2/TiO2.extxyz.7z"),
                "git_sha1": "851458da6c6f43b58d3db541a4cb1879e838b68c",
                "sha256": None,
                "archive": "7z",
                "energy_key": None,
            },
        ),
        strict=True,
    )
)


#: single files the paper's regression needs (the authors' Si split and targets); no public
#: URL is pinned for them, so they come from ``<mirror>/<name>``, checked
PINNED_FILES: dict[str, dict[str, Any]] = {
    "Si-GAP-RR/targets.txt": {
        "git_sha1": "771abedb5bc21926cc76129a49d27cc5deb0f8b7",
        "sha256": "f86443dac8455f77d33d99913afe2e58d66a0dd180894c90265479eb7e5add82",
    },
    "Si-GAP-RR/train_test_split_list.txt": {
        "git_sha1": "2697eaf4140ced33c44160536e0851bb45878a22",
        "sha256": "5f71805d2fc1b798532c0a7c64e0738df4901dfdff85aed7e984d82a33570c4f",
    },
}


def _published(name: str, git_sha1: str, sha256: str) -> dict[str, Any]:
    url = _RAW.format(**_RESULTS, path=f"results/{name}")
    return {"url": url, "git_sha1": git_sha1, "sha256": sha256, "archive": None}


#: the authors' published result files: file name → url at the pinned commit, git blob
#: sha1, sha256
PUBLISHED_FILES: dict[str, dict[str, Any]] = {
    "CUR_results.json": _published(
        "CUR_results.json",
        "66068e9d521034f6cccdd179180bd1683b0e6d46",
        "064d9c1dfedbcd036a39ac63f4851bcdd4267d70804ce2e135c89208ea41c1c9",
    ),
    "FPS_results.json": _published(
        "FPS_results.json",
        "089649db1033053e92cc693b76482e77f6cdaaf8",
        "2f3e231af9887b687891a6e1d1d91291029d0a851bbd1f59f2b3c29c319eeddc",
    ),
    "PCA_results.json": _published(
        "PCA_results.json",
        "ad7ef236b359fe75e0c88591bdad605d3206680b",
        "c555b89adb6686c764a0f8a6a151de244d45778d9d7fe28f4d192561da3955e8",
    ),
    "RR_results.json": _published(
        "RR_results.json",
        "974921f5e2178fc265d5503c3cf7d2bfed34c066",
        "6e75bcb5ff7134f0acf91595a45e4f33c838359790ced85cabe562e3a98089c2",
    ),
    "figures-3-4-5-datasets.json": _published(
        "figures-3-4-5-datasets.json",
        "0c8ebbf10fb3629c05d8b7dce8d3ad1818564a29",
        "30166458d6418eda94a1b78dff193ce64e59d34b2aaba46fea995eb9d3dcf308",
    ),
}
