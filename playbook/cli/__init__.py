"""The `playbook` command: a thin shell over the package.

Options, progress on the terminal and exit codes; no logic of its own.
"""

from playbook.cli.app import (
    app,
)

__all__ = [
    "app",
]
