"""Stages 5-7: fresh data, drift, monitoring, A/B plans, shadow, history, readiness.

What happens after the POC: the fresh batch against the data contract, drift per
feature, proposed monitoring thresholds, the A/B test that would confirm the lift, a
shadow replay, the POC's earlier runs, and production readiness from the run's evidence.
"""

from playbook.beyond import ab_test, drift, history, monitoring, readiness, shadow

__all__ = [
    "ab_test",
    "drift",
    "history",
    "monitoring",
    "readiness",
    "shadow",
]
