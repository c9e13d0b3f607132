"""Speed, as ratios against the alternative measured in the same run: `python -m benchmarks [--quick]`."""
