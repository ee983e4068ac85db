"""Two-way sync between a centre's store and its hubs' stores (services level, no UI).

Importing the package registers the commit hook that stamps captured changes (see `capture`).
"""

from caseapp.sync import capture as capture

__all__ = ["capture"]
