"""What a caller may choose about one import, handed to every parser."""
from __future__ import annotations

from dataclasses import dataclass, field

from .limits import ReadLimits


@dataclass(frozen=True, slots=True)
class ImportOptions:
    # WordPress pingbacks and trackbacks are notices from other blogs, not reader comments: skipped (and counted)
    # unless kept on purpose.
    keep_pingbacks: bool = False
    limits: ReadLimits = field(default_factory=ReadLimits)
