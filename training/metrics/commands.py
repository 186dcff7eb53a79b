"""`zoo train-classifier` and `zoo eval`, plugged into the `zoo` command line by entry points."""
from __future__ import annotations

from pathlib import Path

import click
import torch
from tqdm import tqdm

import zoo
from registry import LocalRegistry
from zoo.errors import InvalidRequest
from zoo.labels import parse_labels
from zoo.sources import bundled_registry_path
from zoo.specs import builtin_spec

from ..data import load_label
from ..errors import DataNotFound
from .cas import classification_accuracy_score
from .classifier import load_classifier_or_say_how, train_classifier
from .evaluate import evaluate
from .features import classifier_extractor, inception_extractor


def _split(dataset: str, num_classes: int, data: Path | None, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    parts = [load_label(dataset, k, data=data, split=split) for k in range(num_classes)]
    return torch.cat(parts), torch.cat([torch.full((len(p),), k) for k, p in enumerate(parts)])


@click.command("train-classifier")
@click.argument("dataset")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Registry to store it in.")
@click.option("--data", type=click.Path(path_type=Path), help="Where the data set's files are.")
@click.option("--epochs", type=int, default=3, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def train_classifier_cmd(dataset: str, out: Path, data: Path | None, epochs: int, seed: int) -> None:
    """Train DATASET's domain classifier (metric features) and store it with its test accuracy."""
    spec = builtin_spec(dataset)
    if spec is None:
        raise DataNotFound(f"train-classifier needs a built-in data set with a test split; got {dataset!r}")
    train, test = _split(dataset, spec.num_classes, data, "train"), _split(dataset, spec.num_classes, data, "test")
    with tqdm(total=epochs, desc=f"classifier {dataset}", unit="epoch") as bar:
        result = train_classifier(LocalRegistry.create(out), dataset, train, test, num_classes=spec.num_classes,
                                  epochs=epochs, seed=seed, progress=lambda done, _: bar.update(1))
    LocalRegistry(out).reindex()
    click.echo(f"classifier for {dataset}: test accuracy {result['test_accuracy']:.4f} on {len(test[0])} images "
               f"({result['seconds']:.0f} s); stored in {out}")


@click.command("eval")
@click.argument("dataset")
@click.option("--registry", "-r", "root", type=click.Path(path_type=Path),
              help="The registry to evaluate; its metrics record keeps the results.  [default: the bundled zoo]")
@click.option("-n", "n", type=int, default=1000, show_default=True, help="Generated images per label.")
@click.option("--features", type=click.Choice(["classifier", "inception"]), default="classifier", show_default=True)
@click.option("--inception", type=click.Path(path_type=Path), help="clean-fid's inception-2015-12-05.pt.")
@click.option("--allow-download", is_flag=True, help="Let clean-fid download the Inception weights.")
@click.option("--data", type=click.Path(path_type=Path), help="Where the data set's files are.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--labels", default="all", show_default=True, help="Only these labels: 0-9, 0,3,5-7, names, or all.")
@click.option("--real-n", type=click.IntRange(2, None), help="At most this many real images per label and split "
              "(a seeded subset) as the reference, and as the CAS test set; default every one. Inception on a 2-core "
              "CPU: 4-16 images a second.")
@click.option("--cas", is_flag=True, help="Also the Classification Accuracy Score: a classifier of the domain "
              "classifier's recipe trained on --cas-n generated images per label only, tested on the real test split, "
              "beside the same recipe on as many real images and on all of them.")
@click.option("--cas-n", type=click.IntRange(1, 100_000), default=1000, show_default=True,
              help="Generated images per label the CAS classifier trains on.")
@click.option("--replace", is_flag=True, help="Replace stored metrics of the same features measured on more images "
              "per label (without it they are kept and this run is refused).")
def eval_cmd(dataset: str, root: Path, n: int, features: str, inception: Path | None, allow_download: bool,
             data: Path | None, seed: int, labels: str, real_n: int | None, cas: bool, cas_n: int,
             replace: bool) -> None:
    """Measure FID, KID, IS, precision/recall and class consistency per label; store them in the registry."""
    root = root or bundled_registry_path()
    reg = LocalRegistry(root)
    if cas:
        load_classifier_or_say_how(reg, dataset)  # refused before any work
    if features == "inception":
        extractor = inception_extractor(inception, allow_download=allow_download)
    else:
        extractor = classifier_extractor(reg, dataset)
    stored = reg.metrics(dataset).get(extractor.name)
    if stored is not None and stored.n > n and not replace:  # refused before any work: the card shows the stored
        raise InvalidRequest(f"{reg.root} holds {dataset}'s {extractor.name} metrics measured on {stored.n} images "
                             f"per label; -n {n} would replace them with a smaller sample: pass --replace to do "
                             f"so, or -n {stored.n}")
    with tqdm(desc=f"eval {dataset}", unit="label") as bar:
        def progress(done: int, total: int, label: int) -> None:
            bar.total = total
            bar.update(1)

        result = evaluate(root, dataset, extractor=extractor, n=n, seed=seed, data=data, real_n=real_n,
                          with_logits=features == "classifier", progress=progress,
                          labels=parse_labels(labels, zoo.spec(dataset, registry=reg.root)))
    names = list(next(iter(result["labels"].values())))
    click.echo(f"{'label':>5}  " + "  ".join(f"{m:>{max(9, len(m))}}" for m in names))
    for label, scores in result["labels"].items():
        click.echo(f"{label:>5}  " + "  ".join(f"{scores[m]:>{max(9, len(m))}.4f}" for m in names))
    click.echo("overall " + ", ".join(f"{k}={v:.4f}" for k, v in result["overall"].items()))
    if features == "inception":
        click.echo(f"features: {extractor.network} (sha256 {extractor.digest[:12]}); Inception Score: not available "
                   "offline (this FID network has no classification head)")
    click.echo("reference " + ", ".join(f"{k}={v:.4f}" for k, v in result["reference"].items()))
    if result["missing_labels"]:
        click.echo(f"missing labels (no generator): {result['missing_labels']}")
    if result.get("weak"):
        for label, why in result["weak"].items():
            click.echo(f"weak label {label}: {'; '.join(why)}")
        click.echo(f"retrain only those: `zoo train {dataset} --labels {','.join(result['weak'])} --retrain "
                   f"--out {root}` (with the options they were trained with)")
    if cas:
        _cas(reg, dataset, n=cas_n, seed=seed, data=data, test_n=real_n,
             labels=parse_labels(labels, zoo.spec(dataset, registry=reg.root)))
    click.echo(f"stored in the metrics record of {reg.root} ({dataset})")


def _cas(reg: LocalRegistry, dataset: str, *, n: int, seed: int, data: Path | None, labels: list[int],
         test_n: int | None) -> None:
    with tqdm(desc=f"CAS {dataset}", unit="step") as bar:
        result = classification_accuracy_score(reg.root, dataset, n=n, seed=seed, data=data, labels=labels,
                                               test_n=test_n, progress=lambda what: bar.update(1))
    tested_on = f"at most {test_n:,} real test images per label" if test_n else "the real test split"
    click.echo(f"Classification Accuracy Score ({n} generated images per label, seed {seed}; tested on {tested_on}):")
    click.echo(f"{'label':>5}  {'generated':>9}  {'real, same n':>12}  {'real, all':>9}")
    for label, s in result["labels"].items():
        click.echo(f"{label:>5}  {s['cas']:>9.4f}  {s['cas_real_same_n']:>12.4f}  {s['cas_real_all']:>9.4f}")
    o = result["overall"]
    click.echo(f"overall  {o['cas']:.4f}  {o['cas_real_same_n']:.4f}  {o['cas_real_all']:.4f}")
