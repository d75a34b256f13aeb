"""Run a scenario: ``python -m experiments.run scenario=<name> seed=<int> replicates=<int>``.

A Hydra app (``version_base="1.3"``): any config key can be overridden on the command line, and
``-m`` sweeps. The results contract is written into the Hydra run directory
(``hydra.run.dir=<dir>`` places it). Bad input stops the run with a one-line message naming the
key and what is allowed, exit status 2, and no results.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from abm.config import register_configs
from abm.errors import ConfigError
from abm.job import run_job
from analysis.tables import attack_summary, population_summary, sector_summary

register_configs()


@hydra.main(version_base="1.3", config_path="pkg://configs", config_name="config")
def main(cfg: DictConfig) -> None:
    """Validate, run the job's replicates, write results, print the per-sector table."""
    outdir = Path(HydraConfig.get().runtime.output_dir)
    try:
        run_cfg = OmegaConf.to_object(cfg)
        summary = run_job(run_cfg, outdir, OmegaConf.to_yaml(cfg, resolve=True))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    if cfg.print_summary:
        table = sector_summary(summary)
        print(
            f"\nScenario {cfg.scenario.name!r}, mitigation {cfg.mitigation.name!r} "
            f"({summary['mitigation_cost_meur'].iloc[0]:g} MEUR), {cfg.replicates} replicates, "
            f"seed {cfg.seed}, {cfg.horizon_days:g} days at {cfg.dt_hours:g} h steps.\n"
            "Loss = hours of full outage per inhabitant (population-weighted over regions):\n"
        )
        print(table.to_string(float_format=lambda v: f"{v:8.3f}"))
        print("\nPopulation:\n")
        print(population_summary(summary).to_string(float_format=lambda v: f"{v:12.4g}"))
        print("\nAdversary actions (attempts / successes, mean per replicate):\n")
        print(attack_summary(summary).to_string(float_format=lambda v: f"{v:8.2f}"))
        print(f"\nResults: {outdir}")


if __name__ == "__main__":
    main()
