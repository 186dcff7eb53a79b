#!/usr/bin/env bash
# Rebuilds the bundled Fashion-MNIST zoo (zoo/pretrained), its metrics and MODEL_CARD.md on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
ZOO=.venv/bin/zoo
STAGE=${STAGE:-/tmp/bundle/registry}
BUDGET=${BUDGET:-4m}
TRAIN="zoo train fashion-mnist --labels 0-9 --budget $BUDGET --workers 2 --seed 0 --out $STAGE"  # the defaults
[ -f "$STAGE/fashion-mnist/label-00009.safetensors" ] || .venv/bin/$TRAIN --no-progress
# The domain classifier (the fmnistnet features) is kept from the last bundle when there is one, so old and
# new figures are measured in the same feature space; it is trained only on a machine without one.
CLASSIFIER=fashion-mnist/extras/classifier.safetensors
if [ -f "zoo/pretrained/$CLASSIFIER" ]; then mkdir -p "$STAGE/fashion-mnist/extras"; cp "zoo/pretrained/$CLASSIFIER" "$STAGE/$CLASSIFIER"
else $ZOO train-classifier fashion-mnist --out "$STAGE" --epochs 3; fi
rm -rf zoo/pretrained && mkdir -p zoo/pretrained
.venv/bin/python scripts/bundle_zoo.py "$STAGE" zoo/pretrained --command "$TRAIN" --budget $BUDGET
$ZOO eval fashion-mnist -r zoo/pretrained -n 1000
rm -rf zoo/pretrained/fashion-mnist/cache   # recomputable; not shipped
$ZOO registry reindex zoo/pretrained
mkdir -p docs
$ZOO grid fashion-mnist -n 10 --seed 0 -r zoo/pretrained -o docs/fashion-mnist-grid.png
# docs/compare.md comes from `make compare-report` (bench/compare_levers.py docs), docs/levers-table.md from
# bench/levers_table.py, docs/interleaved.md written from docs/levers-precision*-{600i,2400i}.md (bench/levers.py),
# docs/bundled-before-after.md from scripts/metrics_side_by_side.py (old vs new bundle)
$ZOO card zoo/pretrained -o MODEL_CARD.md --grid-image docs/fashion-mnist-grid.png $(for f in docs/compare.md docs/interleaved.md docs/levers-table.md docs/bundled-before-after.md; do [ -f $f ] && echo --section $f; done)
