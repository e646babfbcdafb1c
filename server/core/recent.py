"""What a process keeps between requests, bounded: the most recently used last."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


def keep_recent(kept: OrderedDict[Any, Any], key: Any, value: Any, size: int) -> None:
    """Keep `value` as the most recently used, and no more than `size` entries."""
    kept[key] = value
    kept.move_to_end(key)
    while len(kept) > size:
        kept.popitem(last=False)
