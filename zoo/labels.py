"""Label selections from the command line: '0-9', '0,3,5-7', 'all', or class names."""
from __future__ import annotations

from collections.abc import Sequence

from .errors import InvalidRequest
from .specs import DatasetSpec

__all__ = ["parse_labels", "format_labels"]


def parse_labels(text: str | None, spec: DatasetSpec) -> list[int]:
    if text is None or text.strip().lower() == "all":
        return list(range(spec.num_classes))
    out: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        lo, sep, hi = part.partition("-")
        if sep and lo.isdigit() and hi.isdigit():
            a, b = int(lo), int(hi)
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
