"""`python -m playbook` runs the command line."""

from playbook.cli import app

app(prog_name="playbook")
