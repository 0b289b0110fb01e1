"""The status engine behind status.services: loading, fingerprints, assessing, storing,
recompute and stale marks, one module each."""
