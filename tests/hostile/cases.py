"""Every hostile case, in the order of the table."""

from hostile import charter_cases, data_cases, serve_cases

CASES = [*data_cases.CASES, *charter_cases.CASES, *serve_cases.CASES]
