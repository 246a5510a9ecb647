"""What a run prints: the project's one failure line last, no library noise, real warnings.

* A failed run ends with each failed job's one line (``run_step``'s, read from the rule's
  log file by the Snakefile's ``onerror``), after everything Snakemake says about the
  failure, so that the line that names the file, frame or key is the last on the console.
* jax's probing of the backends it cannot open (``Unable to initialize backend 'tpu'``),
  DScribe's call of ASE's deprecated ``get_calculator`` and the progress bars (where stderr
  is not a terminal) are left out; a warning of the user's own code still shows.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from conftest import run_snakemake

from descriptor_study import joblog

BROKEN = "2\nthis is not an extxyz comment line = = =\nSi 0 0 0\n"

WARNS = '''\
"""A representation whose code warns, as a user's code may."""

import warnings

import numpy as np

from descriptor_study.representations import Param, Representation


class Warns(Representation):
    name = "Warns"
    parameters = (Param("n", "integer", 2, "columns", minimum=1),)

    @property
    def n_features(self):
        return self.params["n"]

    def _compute(self, atoms, centers):
        warnings.warn("Warns: the user's own warning", FutureWarning)
        rows = np.ones((len(atoms), self.params["n"]))
        return rows if centers is None else rows[centers]
'''


def _last_lines(text: str, n: int) -> list[str]:
    return [line for line in text.splitlines() if line.strip()][-n:]


def test_a_failed_run_ends_with_the_jobs_one_line(tmp_path: Path) -> None:
    (tmp_path / "mine.extxyz").write_text(BROKEN)
    config = tmp_path / "mine.yaml"
    config.write_text("datasets:\n  mine: {file: mine.extxyz}\nrepresentations:\n  ACSF: {}\n")
    res = run_snakemake(tmp_path, "--cores", "1", "data/mine.extxyz", "--configfile", str(config))
    assert res.returncode != 0
    # the job's one line, as the job printed it when it failed
    (printed,) = [line for line in res.stderr.splitlines() if " descriptor_study: " in line]
    said = printed.split(" descriptor_study: ", 1)[1]
    assert "mine.extxyz: line 1: structure 0 announces 2 atoms but only 1 lines follow its comment line" in said
    assert joblog.failure_lines(tmp_path / "logs/datasets/mine.log") == [said]
    # and the run ends with it, after Snakemake's lines
    header, last = _last_lines(res.stderr, 2)
    assert header == "Failed: dataset mine (log: logs/datasets/mine.log):", res.stderr[-3000:]
    assert last == f"  {said}", res.stderr[-3000:]
    assert res.stderr.index("At least one job did not complete successfully") < res.stderr.rindex(said)
    assert not (tmp_path / "data/mine.extxyz").exists()


def test_a_run_prints_no_library_noise_but_the_users_warning(tmp_path: Path) -> None:
    (tmp_path / "warns.py").write_text(WARNS)
    config = tmp_path / "quiet.yaml"
    config.write_text(
        "data: {mirror: null, cache: data/cache}\n"
        "datasets:\n  Si-demo: {generator: si_demo, seed: 7, n_structures: 10}\n"
        "representations:\n  ACE: {}\n  SOAPlite: {n_max: 2, l_max: 2}\n  Warns: {class: warns.py:Warns}\n"
        "threads: 1\n"
    )
    targets = [f"results/representations/Si-demo/{rep}.h5" for rep in ("ACE", "SOAPlite", "Warns")]
    res = run_snakemake(tmp_path, *targets, "--cores", "2", "--configfile", str(config))
    assert res.returncode == 0, res.stderr[-3000:]
    out = res.stdout + res.stderr
    assert "Unable to initialize backend" not in out
    assert "Please use atoms.calc" not in out
    assert "struct/s" not in out and "env/s" not in out  # no progress bar (ACE counts environments)
    assert "FutureWarning: Warns: the user's own warning" in res.stderr
    # jax did run: ACE's matrix is there; so is DScribe's
    assert all((tmp_path / t).is_file() for t in targets)
    # the job logs name each line's level
    assert (
        " INFO descriptor_study.stages.representations: ACE on Si-demo"
        in (tmp_path / "logs/representations/Si-demo/ACE.log").read_text()
    )


def test_quieting_keeps_other_warnings_and_jax_warnings(caplog) -> None:
    """Exact message and module: the same message from elsewhere, another FutureWarning
    from DScribe's module, and a warning of jax's backend logger still show."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        joblog.quiet_library_noise()
        for message, module in [
            ("Please use atoms.calc", "dscribe.core.system"),  # left out
            ("Please use atoms.calc", "mine"),
            ("something else", "dscribe.core.system"),
        ]:
            warnings.warn_explicit(message, FutureWarning, "x.py", 1, module=module)
    assert [(str(w.message), w.filename) for w in seen] == [
        ("Please use atoms.calc", "x.py"),
        ("something else", "x.py"),
    ]
    jax = logging.getLogger("jax._src.xla_bridge")
    with caplog.at_level(logging.INFO):
        jax.setLevel(logging.NOTSET)
        joblog.quiet_library_noise()
        jax.info("Unable to initialize backend 'tpu': no libtpu")
        jax.warning("An NVIDIA GPU may be present on this machine, but a CUDA-enabled jaxlib is not installed.")
    jax.setLevel(logging.NOTSET)
    assert [r.getMessage() for r in caplog.records if r.name == jax.name] == [
        "An NVIDIA GPU may be present on this machine, but a CUDA-enabled jaxlib is not installed."
    ]


def test_a_log_only_record_goes_to_the_log_file_not_the_console(tmp_path: Path, capsys) -> None:
    """A table such as the regression's cross-validation grid (hundreds of lines a default run)
    is kept in the job's log; the console gets the line that follows it, the choice."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    log_file = tmp_path / "job.log"
    try:
        joblog._setup_logging([log_file])
        log = logging.getLogger("descriptor_study.regression.search")
        log.info(
            "rr D/ACSF: 5-fold cross-validation; grid (rr_lambda):\n rr_lambda  cv_rmse\n 1e-12  0.02",
            extra=joblog.LOG_ONLY,
        )
        log.info("rr D/ACSF: chosen {'rr_lambda': 1e-12}")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in root.handlers:
            if handler not in saved[0]:
                handler.close()
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    console = capsys.readouterr().err
    assert "chosen {'rr_lambda': 1e-12}" in console and "grid" not in console and "1e-12  0.02" not in console
    text = log_file.read_text()
    assert " INFO descriptor_study.regression.search: rr D/ACSF: 5-fold cross-validation; grid (rr_lambda):" in text
    assert "\n 1e-12  0.02\n" in text and "chosen {'rr_lambda': 1e-12}" in text
