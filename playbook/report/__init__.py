"""What a person reads: stage pages, the run index, the portfolio and charts.

HTML pages of a run and of all runs, plotly charts, and what a stage notebook
displays (tables, bullets, decisions, with personal data masked).
"""

from playbook.report import (
    charter_sections,
    charts,
    data_sections,
    display,
    pages,
    poc_charts,
    portfolio,
)

__all__ = [
    "charter_sections",
    "charts",
    "data_sections",
    "display",
    "pages",
    "poc_charts",
    "portfolio",
]
