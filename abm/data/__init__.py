"""Shipped data files."""
