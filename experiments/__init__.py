"""Entry points: single and multirun jobs, benchmarks."""
