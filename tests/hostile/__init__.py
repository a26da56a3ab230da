"""Hostile inputs for the `playbook` command (issue #17): the table and its harness.

`tests/test_hostile_inputs.py` runs every case as a test; `bench/hostile_inputs.py`
runs them all and writes docs/hostile-inputs.md.
"""
