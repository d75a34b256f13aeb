"""Re-run a stored job and check that it gives the same results.

``python -m experiments.reproduce <job_dir>`` reads the job's resolved config from
``<job_dir>/.hydra/config.yaml``, runs it again with the same seed into a temporary directory,
and compares every output:

- the Parquet files byte for byte when the environment matches the stored provenance (same
  package versions, Python and platform), and value for value otherwise, saying so;
- the provenance by its seeds, and the config by the hash of the resolved config (wall time,
  paths and the git commit are reported, not compared).

It prints one line per file, naming each that differs, and exits 0 if everything matches, 1 if
anything differs, 2 if the directory is not a job.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from abm.api import as_run_config
from abm.config import RunConfig
from abm.job import run_job
from abm.results import COMPLETE_MARKER, config_hash, provenance, results_yaml

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
    """Re-run the job in ``job_dir``, print a line per file, return True if all match."""
    cfg, resolved = load_job_config(job_dir)
    stored_prov = json.loads((job_dir / "provenance.json").read_text())
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
    marker = job_dir / COMPLETE_MARKER
    stored_hash = json.loads(marker.read_text()).get("config_sha256") if marker.is_file() else None
    same = stored_hash == config_hash(resolved)
    ok &= same
    print(
        f"{'config':20s} "
        + ("identical resolved config" if same else "DIFFERS (resolved config hash)")
    )
    print("reproduced: identical" if ok else "NOT identical")
    return ok


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("job_dir", type=Path)
    args = parser.parse_args(argv)
    if not (args.job_dir / ".hydra" / "config.yaml").is_file():
        print(
            f"error: {args.job_dir} is not a job directory (no .hydra/config.yaml)", file=sys.stderr
        )
        return 2
    return 0 if reproduce(args.job_dir) else 1


if __name__ == "__main__":
    sys.exit(main())
