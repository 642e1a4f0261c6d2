"""A DynamoDB item's size as DynamoDB bills it, and the capacity units it costs.

Size: for each attribute, the UTF-8 length of its name plus its value's size:
strings their UTF-8 length, binary its length, numbers 1 byte per two significant
digits plus 1, booleans and nulls 1, lists and maps 3 bytes plus 1 per element
plus their contents, sets the sum of their elements."""
from __future__ import annotations

import math
from decimal import Decimal

READ_UNIT = 4096     # a strongly consistent read: 1 RCU (on demand: 1 RRU) per 4 KB
WRITE_UNIT = 1024    # a write: 1 WCU (on demand: 1 WRU) per 1 KB


def number_size(text: str) -> int:
    digits = Decimal(text).normalize().as_tuple().digits
    significant = len(digits) if any(digits) else 1
    return math.ceil(significant / 2) + 1


def value_size(value: dict) -> int:
    (kind, data), = value.items()
    if kind == "S":
        return len(data.encode("utf-8"))
    if kind == "N":
        return number_size(data)
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in data)
    if kind == "NS":
        return sum(number_size(n) for n in data)
    if kind == "BS":
        return sum(len(b) for b in data)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in data.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def read_units(size: int) -> int:
    """A strongly consistent GetItem: whole 4 KB units, at least one (a missing item too)."""
    return max(1, math.ceil(size / READ_UNIT))


def write_units(old_size: int, new_size: int) -> int:
    """A PutItem: whole 1 KB units of the larger of the item it replaces and the new one."""
    return max(1, math.ceil(max(old_size, new_size) / WRITE_UNIT))
