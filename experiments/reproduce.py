"""Re-run a stored job and check that it gives the same results.

``python -m experiments.reproduce <job_dir>`` reads the job's resolved config from
``<job_dir>/.hydra/config.yaml``, runs it again with the same seed into a temporary directory,
and compares every output:

- the Parquet files byte for byte when the environment matches the stored provenance (same
  package versions, Python and platform), and value for value otherwise, saying so;
- the provenance by its seeds, and the config by the hash of the resolved config (wall time,
  paths and the git commit are reported, not compared).

It prints one line per file, naming each that differs, and exits 0 if everything matches, 1 if
anything differs. A path that is no job it can re-run (missing, a file, a folder without
``.hydra/config.yaml``, or a job whose config, provenance or completion marker is missing or
cannot be read) is refused before anything runs, in one line ``error: job_dir: ...`` with exit
status 2; a results file that is missing or altered is what the comparison reports.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from abm.api import as_run_config
from abm.cli import guarded
from abm.config import RunConfig
from abm.errors import ConfigError
from abm.job import run_job
from abm.results import COMPLETE_MARKER, config_hash, provenance, read_marker, results_yaml
from abm.study_config import OneLineParser

PARQUET_FILES = (
    "summary.parquet",
    "timeseries.parquet",
    "groups.parquet",
    "events.parquet",
    "regions.parquet",
)
ENVIRONMENT_KEYS = ("packages", "python", "platform")
SEED_KEYS = ("seed", "replicates", "seed_sequences")


def load_job_config(job_dir: Path) -> tuple[RunConfig, str]:
    """The stored job's config as a RunConfig, and its resolved YAML."""
    stored = OmegaConf.load(job_dir / ".hydra" / "config.yaml")
    merged = OmegaConf.merge(OmegaConf.structured(RunConfig), stored)
    return as_run_config(merged), results_yaml(merged)


def check_job(job_dir: Path) -> tuple[RunConfig, str, dict[str, object]]:
    """The stored job's config, resolved YAML and provenance, or :class:`ConfigError` (key
    ``job_dir``) for a job that cannot be re-run or compared: checked before the re-run, so
    that a damaged job costs no simulation and no traceback (the config's values are validated
    by the re-run itself, as in any run)."""
    config = job_dir / ".hydra" / "config.yaml"
    if not job_dir.is_dir():
        what = "a file" if job_dir.exists() else "missing"
        raise ConfigError("job_dir", f"a job directory; {job_dir} is {what}")
    if not config.is_file():
        raise ConfigError("job_dir", f"a job directory; {job_dir} has no .hydra/config.yaml")
    try:
        stored = json.loads((job_dir / "provenance.json").read_text())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ConfigError(
            "job_dir", f"a job with a readable provenance.json ({type(err).__name__})"
        ) from None
    if not isinstance(stored, dict):
        raise ConfigError("job_dir", "a job whose provenance.json is a JSON object")
    marker = read_marker(job_dir)
    if marker is None:
        raise ConfigError("job_dir", f"a finished job; {job_dir} has no {COMPLETE_MARKER}")
    if "damaged" in marker:
        raise ConfigError("job_dir", f"a job with an intact marker ({marker['damaged']})")
    try:
        cfg, resolved = load_job_config(job_dir)
    except (OSError, ValueError, TypeError, yaml.YAMLError, OmegaConfBaseException) as err:
        # ConfigError (validation) is a ValueError
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ConfigError(
            "job_dir", f"a job whose .hydra/config.yaml can be read ({first})"
        ) from None
    return cfg, resolved, stored


def compare_parquet(a: Path, b: Path, same_environment: bool) -> tuple[bool, str]:
    """Whether two Parquet files hold the same results, and how that was judged."""
    if not a.is_file():
        return False, "missing from the stored job"
    if same_environment:
        same = a.read_bytes() == b.read_bytes()
        return same, "identical (byte for byte)" if same else "DIFFERS (bytes)"
    left, right = pd.read_parquet(a), pd.read_parquet(b)
    try:
        pd.testing.assert_frame_equal(left, right, check_exact=True)
    except AssertionError:
        return False, "DIFFERS (values)"
    return True, "identical (value for value; the environment differs)"


def reproduce(job_dir: Path) -> bool:
    """Re-run the job in ``job_dir``, print a line per file, return True if all match.

    Raises:
        ConfigError: for a path that is no job that can be re-run (:func:`check_job`).
    """
    cfg, resolved, stored_prov = check_job(job_dir)
    current_env = provenance(cfg.seed, cfg.replicates, 0.0)
    same_env = all(stored_prov.get(k) == current_env.get(k) for k in ENVIRONMENT_KEYS)
    if not same_env:
        changed = [k for k in ENVIRONMENT_KEYS if stored_prov.get(k) != current_env.get(k)]
        print(
            f"environment differs from the stored job ({', '.join(changed)}): "
            "comparing values, not bytes"
        )
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        rerun = Path(tmp)
        run_job(cfg, rerun, resolved)
        for name in PARQUET_FILES:
            same, how = compare_parquet(job_dir / name, rerun / name, same_env)
            ok &= same
            print(f"{name:20s} {how}")
        new_prov = json.loads((rerun / "provenance.json").read_text())
        same = all(stored_prov.get(k) == new_prov.get(k) for k in SEED_KEYS)
        ok &= same
        print(f"{'provenance.json':20s} " + ("identical seeds" if same else "DIFFERS (seeds)"))
    stored_hash = (read_marker(job_dir) or {}).get("config_sha256")
    same = stored_hash == config_hash(resolved)
    ok &= same
    print(
        f"{'config':20s} "
        + ("identical resolved config" if same else "DIFFERS (resolved config hash)")
    )
    print("reproduced: identical" if ok else "NOT identical")
    return ok


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: 0 identical, 1 different, 2 (one line) for bad input."""
    return guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    parser = OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("job_dir", type=Path)
    args = parser.parse_args(argv)
    return 0 if reproduce(args.job_dir) else 1


if __name__ == "__main__":
    sys.exit(main())
