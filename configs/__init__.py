"""Hydra configs, shipped with the package so that a non-editable install finds them."""
