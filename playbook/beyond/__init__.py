"""Stages 5-7: fresh data, drift, monitoring, A/B plans, shadow, history, readiness.

What happens after the POC: the fresh batch against the data contract, drift per
feature, proposed monitoring thresholds, the A/B test that would confirm the lift, a
shadow replay, the POC's earlier runs, and production readiness from the run's evidence.
Each stage's builder and evidence type: `beyond_stage` (5), `iterate_stage` (6) and
`scale_up_stage` (7, with the final decision's rule). The words a reader sees of stage
7 are written in `readiness_problems` (what an item found), `verdict` (what the model
earns or saves, which way a decision leans) and `memo` (the sponsor's memo).
"""

from playbook.beyond import (
    ab_test,
    beyond_stage,
    drift,
    history,
    iterate_stage,
    memo,
    monitoring,
    readiness,
    readiness_problems,
    scale_up_stage,
    shadow,
    verdict,
)

__all__ = [
    "ab_test",
    "beyond_stage",
    "drift",
    "history",
    "iterate_stage",
    "memo",
    "monitoring",
    "readiness",
    "readiness_problems",
    "scale_up_stage",
    "shadow",
    "verdict",
]
