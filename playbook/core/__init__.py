"""The journey's fixed points: its stages, hand-offs and bundled files.

The seven stages, how a stage hands its outcome to the next, where the bundled
notebooks, templates and data contracts live, and how a small YAML file is read.
Every other area may import from here; this package imports only `playbook.errors`.
"""

from playbook.core import bundled, journey, yaml_files

__all__ = [
    "bundled",
    "journey",
    "yaml_files",
]
