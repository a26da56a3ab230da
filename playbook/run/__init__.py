"""Running journeys: the runner, its kernel, the manifest, and batches.

One kernel per journey, stage by stage; the run's `manifest.json`; many journeys on
local workers or a Dask cluster.
"""

# Submodules are imported where used, not here: `python -m playbook.run.batch` starts
# a batch worker, and importing it first from this package would load it twice.
__all__ = [
    "batch",
    "evidence_types",
    "kernel",
    "manifest",
    "runner",
]
