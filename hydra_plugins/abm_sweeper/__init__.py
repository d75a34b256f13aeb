"""The project's Hydra sweeper (Hydra finds plugins only under the ``hydra_plugins`` package):
see :mod:`hydra_plugins.abm_sweeper.compose_once`."""
