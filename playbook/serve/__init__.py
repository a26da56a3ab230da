"""The model stage 4 saves, and `playbook score`, which scores new rows with it.

The saved model carries its data contract and model card; scoring refuses rows that
break the contract.
"""

from playbook.serve import saved_model, scoring

__all__ = [
    "saved_model",
    "scoring",
]
