"""SYNTHETIC example data, one seeded generator per template, and `playbook demo`.

Every file these generators write says SYNTHETIC in its name and its data dictionary.
"""

from playbook.synthetic import churn, demand, demo, fraud, marketing, tickets, timeline

__all__ = [
    "churn",
    "demand",
    "demo",
    "fraud",
    "marketing",
    "tickets",
    "timeline",
]
