"""Running journeys: the runner, its kernel, the manifest, and batches.

One kernel per journey, stage by stage (`runner`, `kernel`, `journey_engine`); the run's
`manifest.json`; many journeys on local workers or a Dask cluster (`batch`, with its
spec, supervision, executors, worker and record).
"""

# Submodules are imported where used, not here, and the batch worker is left out of
# __all__: `python -m playbook.run.batch_worker` starts a worker, and importing it
# first from this package would load it twice.
__all__ = [
    "batch",
    "batch_dask",
    "batch_local",
    "batch_record",
    "batch_spec",
    "evidence_types",
    "journey_engine",
    "kernel",
    "manifest",
    "runner",
    "supervision",
]
