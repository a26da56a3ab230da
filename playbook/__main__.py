"""`python -m playbook` runs the command line."""

from playbook.cli.app import app

app(prog_name="playbook")
