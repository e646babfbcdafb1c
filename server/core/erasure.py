"""What erasing a departed person did, domain by domain (see docs/privacy.md)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Erasure:
    """Rows removed, and rows kept under the pseudonym because someone else's record needs
    them, by kind of record."""

    removed: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)

    def merge(self, other: Erasure) -> Erasure:
        return Erasure({**self.removed, **other.removed}, {**self.kept, **other.kept})
