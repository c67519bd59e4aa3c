"""Screening errors."""

from __future__ import annotations

from firstmile.kit.errors import Conflict, InvalidInput


class ListFileInvalid(InvalidInput):
    """A list file that cannot be read; the message names the file, the line or record and
    the field ("sdn.csv line 17: SDN_Name is empty")."""

    code = "list_file_invalid"

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}", field="file")


class HitAlreadyDecided(Conflict):
    code = "hit_already_decided"
