"""Choose the folder `sync now` exchanges through (a USB stick, a share): asked once per store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widget import Widget

from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.sync.desk import set_folder
from caseapp.widgets.text_fields import CompactInput


class SyncFolderForm(FieldForm[str]):
    """The sync folder's path; saved, it is remembered for this store."""

    HELP = (
        "## Sync folder\n\n"
        "The folder bundles are exchanged through: a USB stick, a network share or a "
        "cloud-synced folder (bundles are encrypted, so its host sees nothing). It must "
        "exist now; it is remembered for this store, and **ctrl+p** *Change the sync folder* "
        "changes it. **Enter** saves, **Esc** goes back."
    )

    def __init__(self, current: str = "") -> None:
        super().__init__("The folder to sync through")
        self.current = current

    def rows(self) -> Iterable[Widget]:
        yield FieldRow("Folder", CompactInput(self.current, id="sync-folder"), "folder")

    def collect(self) -> str:
        return str(self.value("folder"))

    def perform(self, data: Any) -> str:
        return set_folder(self.ctx, str(data))
