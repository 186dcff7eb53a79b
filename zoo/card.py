"""Model cards rendered from a registry: MODEL_CARD.md here, the README of a Hub repo later."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from registry import DatasetEntry, LocalRegistry, MetricsBlock
from registry.hub import HubRegistry
from registry.publish import CARD_MARKER
from registry.summary import ranges

from .specs import builtin_spec

__all__ = ["render_card"]

_ORDER = ("fid", "kid", "precision", "recall", "is", "class_consistency")

ABOUT = """\
One Wasserstein GAN generator with gradient penalty (WGAN-GP, Gulrajani et al. 2017) per class label,
each trained only on the images of its label for a fixed wall-clock budget, with no communication
between labels (the scheme of Lupo Pasini & Yin, *Stable parallel training of Wasserstein conditional
GANs*, 2022). What is published is an exponential moving average of each generator's weights, in
self-describing safetensors files.

```python
import zoo
x = zoo.sample("fashion-mnist", label="Sneaker", n=16, seed=0)   # (16, 1, 28, 28) in [0, 1]
```

**For**: demos, teaching, research on class-conditional generation, mode collapse and parallel GAN
training; synthetic images where their provenance is stated. **Not for**: anything presented as real
photographs or measurements, or any decision about people."""

LIMITATIONS = """\
## Limitations

- Trained on a CPU at a small budget: the images are recognisable but far from the state of the art.
- Metrics named `*_<name>net` use the data set's own domain classifier as the feature extractor; they
  are comparable between models of this zoo, **not** with Inception-feature FID/IS numbers in papers.
- Each generator sees only its own label's images: nothing is shared across classes, and labels with
  few images get weaker generators."""


def _fmt(v: Any) -> str:
    """Three decimals; two significant digits below 0.01 (KID is of order 1e-3 to 1e-5, never shown as 0.000)."""
    if not isinstance(v, float):
        return str(v)
    return f"{v:.3f}" if v == 0 or abs(v) >= 0.01 else f"{v:.2g}"


def _front_matter(index: dict[str, DatasetEntry], metric_names: list[str]) -> list[str]:
    lines = ["---", "library_name: wcgan-zoo", "license: apache-2.0", "pipeline_tag: unconditional-image-generation",
             "tags:", *[f"- {t}" for t in ("gan", "wgan-gp", "class-conditional", "image-generation", "safetensors")],
             "datasets:", *[f"- {d}" for d in sorted(index)]]
    if metric_names:
        lines += ["metrics:", *[f"- {m}" for m in metric_names]]
    return lines + _model_index(index) + ["---", ""]


def _model_index(index: dict[str, DatasetEntry]) -> list[str]:
    """The Hub's `model-index` block (what its model page shows as evaluation results): per data set, the
    overall metrics of each `zoo eval` run. Strings are JSON-quoted, which YAML reads as they are."""
    results = []
    for dataset, entry in sorted(index.items()):
        for features, block in sorted((entry.metrics or {}).items()):
            results += ["  - task:", "      type: unconditional-image-generation",
                        "      name: class-conditional image generation (one generator per label)",
                        "    dataset:", f"      type: {json.dumps(dataset)}", f"      name: {json.dumps(dataset)}",
                        "    metrics:"]
            results += [line for name, value in block.overall.items() for line in
                        (f"    - type: {json.dumps(name)}", f"      value: {round(float(value), 4)!r}",
                         f"      name: {json.dumps(f'{name} ({block.n} images per label, {features} features)')}")]
    if not results:
        return []
    return ["model-index:", "- name: wcgan-zoo", "  results:", *results]


def _metrics_table(block: MetricsBlock, class_names: dict[int, str]) -> list[str]:
    names = list(next(iter(block.labels.values())))
    names.sort(key=lambda m: next((i for i, p in enumerate(_ORDER) if m.startswith(p + "_")), 99))
    intro = block.description or (f"Features: `{block.features}`; {block.n} generated images per label (seed "
                                  f"{block.seed}) against the real train images of the same label.")
    out = [intro, "",
           "| label | class | " + " | ".join(names) + " |", "| --- | --- | " + " | ".join("---" for _ in names) + " |"]
    for label, scores in block.labels.items():
        out.append(f"| {label} | {class_names.get(label, '')} | " + " | ".join(_fmt(scores[m]) for m in names) + " |")
    out += ["", "Overall: " + ", ".join(f"`{k}` = {_fmt(v)}" for k, v in block.overall.items()) + ".",
            ("Reference: " if block.description else "Reference (real train vs real test images, same features): ")
            + ", ".join(f"`{k}` = {_fmt(v)}" for k, v in block.reference.items()) + ".", ""]
    if block.missing_labels:
        out.append(f"Labels without a generator: {list(block.missing_labels)}.\n")
    if block.weak:
        out.append("Labels far below the others (`zoo train ... --labels L --retrain` replaces them): "
                   + "; ".join(f"{k} ({class_names.get(k, '')}: {', '.join(v)})" for k, v in block.weak.items())
                   + ".\n")
    return out


def _warm_starts(gens: dict) -> list[str]:
    """Which shared start the labels were fine-tuned from (their steps and seconds above are the fine-tuning)."""
    starts: dict[str, list] = {}
    for key, g in sorted(gens.items()):
        if g.meta.warm_start:
            starts.setdefault(g.meta.warm_start["name"], []).append((key, g.meta.warm_start))
    return [f"Labels {', '.join(str(k) for k, _ in used)} were fine-tuned from the shared warm start `{name}` "
            f"(sha256 `{used[0][1]['sha256'][:12]}`, in `extras/`): trained on labels "
            f"{', '.join(map(str, used[0][1].get('labels', [])))} for {used[0][1].get('steps', 0)} steps, "
            f"{used[0][1].get('seconds', 0):.0f} s on {used[0][1].get('threads', 1)} threads, before the steps "
            "and seconds above.\n" for name, used in starts.items()]


def _losses(losses: list[str]) -> str:
    named = ("loss " if len(losses) == 1 else "losses ") + ", ".join(f"`{x}`" for x in losses)
    if "dcgan" in losses:
        named += " (`dcgan`: the non-saturating DC-GAN loss, the paper's baseline, not the zoo's WGAN-GP)"
    return named


def _dataset_section(dataset: str, entry: DatasetEntry, grid: str | None, recipe: list[str]) -> list[str]:
    spec = builtin_spec(dataset)
    lines = [f"## {dataset}", ""]
    if spec is not None:
        lines += [f"{spec.description}; {spec.num_classes} classes.", ""]
    if grid:
        lines += [f"![{dataset}: one row per class, seed 0]({grid})", ""]
    gens = entry.generators
    if gens:
        any_meta = next(iter(gens.values())).meta
        losses = sorted({g.meta.loss for g in gens.values()})
        lines += [f"{len(gens)} per-label generators, architecture `{any_meta.arch}` (width "
                  f"{any_meta.arch_config['width']}, latent {any_meta.latent_dim}), images "
                  f"{'x'.join(map(str, any_meta.image_shape))}, trained with {_losses(losses)}.", "",
                  "| label | class | steps | seconds | seed | MB | sha256 | loss | truncation |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for key, g in sorted(gens.items()):
            m = g.meta
            lines.append(f"| {key} | {m.class_name} | {m.steps} | {m.seconds:.0f} | {m.seed} | "
                         f"{g.size / 1e6:.2f} | `{g.sha256[:12]}` | {m.loss} | "
                         f"{'none' if m.truncation is None else f'{m.truncation:g}'} |")
        lines += [""] + _warm_starts(gens)
        if any(g.meta.truncation is not None for g in gens.values()):
            lines += ["Truncation: each label's sampling default, chosen after training on that label's own "
                      "training images (the candidate, or none, whose samples are closest to them in FID); "
                      "`zoo.sample(..., truncation=\"off\")` turns it off.", ""]
    if entry.conditional is not None:
        m = entry.conditional.meta
        served = "every label" if m.labels is None else \
            f"the {len(m.labels)} label{'s' if len(m.labels) != 1 else ''} it learned ({ranges(m.labels)}) and no other"
        lines += [f"One conditional generator serves {served}: {m.steps} steps, {m.seconds:.0f} s.", ""]
    if entry.record:
        lines += ["### Training record", "", "```sh", entry.record.get("command", ""), "```", ""]
        lines += [f"- {k.replace('_', ' ')}: {v}" for k, v in entry.record.items() if k != "command"] + [""]
    lines += recipe
    for block in (entry.metrics or {}).values():
        lines += [f"### Metrics: `{block.features}`", ""] + _metrics_table(block, entry.class_names)
    return lines


# What a model card states of a recipe, in the order a reader looks for it: TrainConfig field -> its name here.
RECIPE_FIELDS = {"lr": "lr", "lr_d": "critic lr", "betas": "Adam betas", "batch_size": "batch", "n_critic": "n_critic",
                 "gp_weight": "gradient penalty", "gp_every": "penalty every k-th critic step",
                 "critic_norm": "critic norm", "ema_decay": "EMA decay", "warm_start": "shared start share",
                 "warm_start_kind": "start kind", "augment": "augment", "lr_decay": "lr decay"}


def _recipes(reg: LocalRegistry, dataset: str) -> list[str]:
    """The hyperparameters the generators were trained with, from each run's own record (they outlive defaults
    that move): one line per distinct recipe, with the labels that used it."""
    by_recipe: dict[str, list[str]] = {}
    for label, config in reg.run_configs(dataset).items():
        text = ", ".join(f"{name} {config[k]}" for k, name in RECIPE_FIELDS.items() if config.get(k) is not None)
        by_recipe.setdefault(text, []).append(label)
    if not by_recipe:
        return []
    lines = ["### Recipe", "", "As each label's run recorded it (`runs/label-*/config.json`):", ""]
    return lines + [f"- labels {', '.join(sorted(labels, key=lambda x: (len(x), x)))}: {text}"
                    for text, labels in by_recipe.items()] + [""]


def render_card(root: str | Path | LocalRegistry | HubRegistry, *, grid_image: str | None = None, intro: str = "",
                dataset_grids: dict[str, str] | None = None, datasets: list[str] | None = None,
                front_matter: bool = True, sections: list[str] | None = None) -> str:
    """Markdown for every data set (or those named) of a registry: models, training record, metrics.

    ``root`` is a registry folder or an open registry; ``dataset_grids`` maps a data set to the path or URL
    of its sample grid, shown under its heading; ``sections`` are Markdown blocks added before the limitations."""
    reg = root if isinstance(root, (LocalRegistry, HubRegistry)) else LocalRegistry(root)
    index = {k: v for k, v in reg.index().datasets.items() if datasets is None or k in datasets}
    metric_names = sorted({k for e in index.values() for b in (e.metrics or {}).values() for k in b.overall})
    lines = _front_matter(index, metric_names) + [CARD_MARKER, ""] if front_matter else []
    lines += ["# wcgan-zoo generators", ""]
    if intro:
        lines += [intro.strip(), ""]
    lines += [ABOUT, ""]
    if grid_image:
        lines += [f"![one row per class, seed 0]({grid_image})", ""]
    for dataset, entry in sorted(index.items()):
        recipe = _recipes(reg, dataset) if isinstance(reg, LocalRegistry) else []
        lines += _dataset_section(dataset, entry, (dataset_grids or {}).get(dataset), recipe)
    lines += [section.strip() + "\n" for section in sections or []]
    lines += [LIMITATIONS]
    return "\n".join(lines).rstrip() + "\n"
