"""Two metrics records of the same data set side by side, per label and overall (e.g. the bundled zoo before and
after a rebuild, measured with the same features):

    git show REV:zoo/pretrained/fashion-mnist/metrics.json > /tmp/old.json
    python scripts/metrics_side_by_side.py /tmp/old.json zoo/pretrained/fashion-mnist/metrics.json \\
        --names "8 min, old defaults" "4 min, new defaults" --title "..." > docs/bundled-before-after.md
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

KEYS = ["intra_fid", "precision", "recall", "class_consistency"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--names", nargs=2, default=["before", "after"])
    ap.add_argument("--features", default="fmnistnet")
    ap.add_argument("--title", help="a '## ' heading above the table (for `zoo card --section`)")
    args = ap.parse_args()
    blocks = [json.loads(p.read_text())[args.features] for p in (args.before, args.after)]
    if blocks[0]["features_digest"] != blocks[1]["features_digest"]:
        raise SystemExit("the two records were measured with different feature extractors: not comparable")
    a, b = args.names
    lines = [f"## {args.title}", ""] if args.title else []
    lines += [f"Per label, {args.features} features: {a} -> {b}. Lower FID is better; higher precision, recall and "
             "class consistency.", "",
             "| label | FID | precision | recall | class consistency |", "| --- | --- | --- | --- | --- |"]
    for label in blocks[1]["labels"]:
        old, new = (blk["labels"].get(label, {}) for blk in blocks)
        cells = [f"{old[k]:.3f} -> {new[k]:.3f}" if k in old else f"{new[k]:.3f}"
                 for k in (f"fid_{args.features}", f"precision_{args.features}", f"recall_{args.features}",
                           f"class_consistency_{args.features}")]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    overall = [f"{k.replace('_', ' ')} {blocks[0]['overall'][f'{k}_{args.features}']:.3f} -> "
               f"{blocks[1]['overall'][f'{k}_{args.features}']:.3f}" for k in KEYS]
    ref = blocks[1].get("reference", {})
    lines += ["", "Overall: " + "; ".join(overall) + "."]
    if ref:
        lines.append("Real train vs real test: " + ", ".join(f"`{k}` = {v:.4f}" for k, v in ref.items()) + ".")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
