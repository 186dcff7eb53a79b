"""Label selections from the command line: '0-9', '0,3,5-7', 'all', or class names."""
from __future__ import annotations

import re
from collections.abc import Sequence

from .errors import InvalidRequest
from .specs import DatasetSpec

__all__ = ["parse_labels", "format_labels"]


_RANGE = re.compile(r"([0-9]+)-([0-9]+)")  # ASCII digits only


def parse_labels(text: str | None, spec: DatasetSpec) -> list[int]:
    """Sorted unique class indices. Digits are indices, alone as in ranges (never the name of a class that
    a folder of digits happens to have); anything else is a class name or id (``DatasetSpec.resolve_label``)."""
    if text is None or text.strip().lower() == "all":
        return list(range(spec.num_classes))
    out: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        span = _RANGE.fullmatch(part)
        if span:
            a, b = int(span[1]), int(span[2])
            if a > b:
                raise InvalidRequest(f"labels {part!r}: expected a rising range such as 0-9")
            out += [spec.resolve_label(i) for i in range(a, b + 1)]
        elif part:
            out.append(spec.resolve_label(part))
        else:
            raise InvalidRequest(f"labels {text!r}: expected indices, ranges or names separated by commas")
    return sorted(dict.fromkeys(out))


def format_labels(labels: Sequence[int]) -> str:
    return ",".join(str(i) for i in labels)
