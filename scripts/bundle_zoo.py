"""Copy a trained registry into the package's bundled registry: generators stored as float16 (half the
bytes; they are computed in float32 after loading), the classifier and run records as they are, and a
record.json of how it was all made. Usage: see scripts/make_bundled_zoo.sh."""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry import LocalRegistry  # noqa: E402
from registry.layout import RUN_CONFIG, RUN_STATS  # noqa: E402
from training.speed import cpu_name  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--dataset", default="fashion-mnist")
    ap.add_argument("--command", required=True, help="the exact training command, for the record")
    ap.add_argument("--budget", required=True)
    args = ap.parse_args()
    src, dst = LocalRegistry(args.src), LocalRegistry.create(args.dst)
    for label in src.labels(args.dataset):
        gf = src.read_generator(args.dataset, label)
        half = {k: v.half() if v.is_floating_point() else v for k, v in gf.tensors.items()}
        dst.save_generator(half, gf.meta)
    src.reindex()
    for name in src.extras(args.dataset):  # the classifier, and the shared warm start the labels record
        dst.adopt_extra(src, args.dataset, name)
    images, arithmetic = [], set()
    for key, run in src.runs(args.dataset).items():
        label = None if key == "conditional" else int(key)
        dst.run_dir(args.dataset, label).mkdir(parents=True, exist_ok=True)
        for name in (RUN_CONFIG, RUN_STATS):
            shutil.copy2(run / name, dst.run_dir(args.dataset, label) / name)
        record = json.loads((run / RUN_CONFIG).read_text())
        images.append(record["images"])
        arithmetic.add(record.get("arithmetic", "an unrecorded precision"))  # runs from before it was recorded
    _, classifier = src.read_extra(args.dataset, "classifier")
    dst.write_record(args.dataset, {
        "command": args.command, "budget_per_label": args.budget, "reproduce": "scripts/make_bundled_zoo.sh",
        "training_data": f"the train split: {sum(images)} images, {min(images)}-{max(images)} per label, "
                         "each generator seeing only its own label's",
        "hardware": f"{torch.get_num_threads()} CPU cores ({cpu_name()}), no GPU, trained in "
                    + " and ".join(sorted(arithmetic)),
        "software": f"torch {torch.__version__}, Python {platform.python_version()}",
        "storage": "generators stored as float16, computed in float32",
        "classifier_test_accuracy": float(classifier["test_accuracy"]),
    })
    dst.reindex()
    print(json.dumps({"generators": len(dst.labels(args.dataset)),
                      "bytes": sum(p.stat().st_size for p in args.dst.rglob("*") if p.is_file())}))


if __name__ == "__main__":
    main()
