"""playbook: an ML adoption playbook and proof-of-concept framework run as notebooks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("playbook")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
