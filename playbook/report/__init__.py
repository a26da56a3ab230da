"""What a person reads: stage pages, the run index, the portfolio and charts.

HTML pages of a run and of all runs (Jinja2 templates in `templates/pages/`), the
sponsor's memo (`memo_page`, and its PDF), plotly charts, and what a stage notebook
displays (tables, bullets, decisions, with personal
data masked).
"""

from playbook.report import (
    beyond_charts,
    beyond_sections,
    charter_sections,
    charts,
    data_sections,
    display,
    memo_page,
    page_templates,
    pages,
    poc_charts,
    poc_sections,
    portfolio,
)

__all__ = [
    "beyond_charts",
    "beyond_sections",
    "charter_sections",
    "charts",
    "data_sections",
    "display",
    "memo_page",
    "page_templates",
    "pages",
    "poc_charts",
    "poc_sections",
    "portfolio",
]
