"""Stage 4, the POC: today's baseline against candidate models on the KPI.

One module per task (`top_k`, `forecast`, `routing`), the baselines and models they
compare, tuning, the held-out split, the KPI in money (exact over ties), intervals on
the lift for a coming period, the model's contact policy (break-even or fill
capacity), data without a time column scaled to a real period, the go / iterate /
stop decision, and the diagnostics
(latency, permutation importance, losing segments, interval coverage). Nothing here
imports stages 5-7 or the report.
"""

from playbook.tasks import (
    baselines,
    bootstrap,
    comparison,
    contact_policy,
    decision,
    evaluation,
    experiment,
    forecast,
    holdout,
    importance,
    interval_coverage,
    kpi,
    latency,
    models,
    period_scaling,
    poc_stage,
    routing,
    routing_kpi,
    segments,
    text_routers,
    top_k,
    tuning,
)

__all__ = [
    "baselines",
    "bootstrap",
    "comparison",
    "contact_policy",
    "decision",
    "evaluation",
    "experiment",
    "forecast",
    "holdout",
    "importance",
    "interval_coverage",
    "kpi",
    "latency",
    "models",
    "period_scaling",
    "poc_stage",
    "routing",
    "routing_kpi",
    "segments",
    "text_routers",
    "top_k",
    "tuning",
]
