"""`zoo train`: plugged into the `zoo` command line through the `wcgan_zoo.commands` entry point."""
from __future__ import annotations

import logging
from pathlib import Path

import click

from registry import LocalRegistry
from zoo.errors import UnknownDataset, suggest
from zoo.labels import format_labels, parse_labels
from zoo.specs import BUILTIN_SPECS, DatasetSpec, builtin_spec

from .config import PRECISIONS, TrainConfig, parse_duration
from .data import DataSource
from .errors import InvalidTrainConfig
from .pool import train_jobs
from .run import LabelJob, ensure_writable
from .shard import detect_rank, device_for, shard
from .slurm import SlurmOptions, render_array_script, submit

log = logging.getLogger(__name__)


def _spec(dataset: str, data: Path | None, resolution: int | None, channels: int) -> DatasetSpec:
    spec = builtin_spec(dataset)
    if spec is not None and dataset != "imagenet1k":
        return spec
    if spec is None and data is None:
        raise UnknownDataset(f"unknown dataset {dataset!r}{suggest(dataset, BUILTIN_SPECS)}; "
                             "for your own class-per-folder images pass --data PATH --name NAME")
    src = DataSource(dataset, data, resolution, channels)
    return DatasetSpec(dataset, src.class_names(), src.image_shape())


@click.command("train")
@click.argument("dataset", required=False)
@click.option("--name", help="Name of a user data set (class-per-folder tree given by --data).")
@click.option("--data", type=click.Path(path_type=Path), help="Where the data set's files are.")
@click.option("--labels", default="all", show_default=True, help="Labels: 0-9, 0,3,5-7, class names, or all.")
@click.option("--budget", default="5m", show_default=True, help="Wall-clock budget per label: 90s, 10m, 2h.")
@click.option("--workers", type=int, default=1, show_default=True, help="Local processes (cores / N threads each).")
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("zoo-registry"), show_default=True,
              help="Registry folder the generators are written into.")
@click.option("--resolution", type=int, help="Resize folder / ImageNet images to this (default 64).")
@click.option("--channels", type=click.Choice(["1", "3"]), default="3", help="Channels of a user folder set.")
@click.option("--arch", default="dcgan", show_default=True, help="Architecture family: dcgan | resnet.")
@click.option("--preset", default="small", show_default=True, help="Width preset: tiny | small | base.")
@click.option("--batch-size", type=int, default=64, show_default=True)
@click.option("--latent-dim", type=int, default=128, show_default=True)
@click.option("--n-critic", type=int, default=5, show_default=True)
@click.option("--lr", type=float, default=1e-4, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-steps", type=int, help="Stop a label after this many generator steps.")
@click.option("--checkpoint-every", default="60s", show_default=True, help="Resume checkpoint interval.")
@click.option("--device", help="torch device (default: cuda:LOCAL_RANK when CUDA exists, else cpu).")
@click.option("--launcher", type=click.Choice(["auto", "slurm"]), default="auto", show_default=True,
              help="auto: local pool, or shard by rank under torchrun / SLURM / MPI. slurm: submit a job array.")
@click.option("--partition", help="SLURM partition.")
@click.option("--time", "time_limit", help="SLURM time limit per array task (default from the budget).")
@click.option("--gpus-per-task", type=int, help="SLURM GPUs per array task.")
@click.option("--array-size", type=int, help="SLURM array tasks (default: one per label).")
@click.option("--array-parallelism", type=int, help="SLURM: at most this many array tasks at once.")
@click.option("--dry-run", is_flag=True, help="With --launcher slurm: print the batch script, submit nothing.")
@click.option("--mode", type=click.Choice(["per-label", "conditional"]), default="per-label", show_default=True,
              help="conditional: the monolithic baseline, one conditional WGAN-GP for all chosen labels, "
                   "trained for --budget x (number of labels).")
@click.option("--progress/--no-progress", default=None, help="Live progress bars (default: on a terminal).")
@click.option("--precision", type=click.Choice(PRECISIONS), default="auto", show_default=True,
              help="bf16 autocast, fp32, or auto: bf16 only where the device computes it natively.")
@click.option("--channels-last/--no-channels-last", default=True, show_default=True, help="NHWC memory layout.")
@click.option("--compile", "compile_", is_flag=True, help="torch.compile the generator (pays on long budgets).")
def train(dataset: str | None, name: str | None, data: Path | None, labels: str, budget: str, workers: int,
          out: Path, resolution: int | None, channels: str, arch: str, preset: str, batch_size: int,
          latent_dim: int, n_critic: int, lr: float, seed: int, max_steps: int | None, checkpoint_every: str,
          device: str | None, launcher: str, partition: str | None, time_limit: str | None,
          gpus_per_task: int | None, array_size: int | None, array_parallelism: int | None, dry_run: bool,
          mode: str, progress: bool | None, precision: str, channels_last: bool, compile_: bool) -> None:
    """Train one WGAN-GP generator per label of DATASET, each for --budget of wall-clock time."""
    dataset = dataset or name
    if not dataset:
        raise InvalidTrainConfig("expected a DATASET argument or --name for a user data set")
    spec = _spec(dataset, data, resolution, int(channels))
    chosen = parse_labels(labels, spec)
    cfg = TrainConfig(budget_s=parse_duration(budget), arch=arch, preset=preset, latent_dim=latent_dim,
                      batch_size=batch_size, lr=lr, n_critic=n_critic, seed=seed, max_steps=max_steps,
                      checkpoint_s=parse_duration(checkpoint_every), tick_s=_tick_s(parse_duration(budget)),
                      precision=precision, channels_last=channels_last, compile=compile_)
    if mode == "conditional" and (workers != 1 or launcher == "slurm"):
        raise InvalidTrainConfig("--mode conditional trains one model in one process: use --workers 1, no --launcher slurm")
    if workers < 1 or workers > len(chosen):
        raise InvalidTrainConfig(f"--workers {workers}: expected 1..{len(chosen)} (one label per worker at most; "
                                 f"{len(chosen)} labels chosen)")
    if launcher == "slurm":
        return _submit_slurm(locals(), cfg, chosen)
    ensure_writable(out)
    rank = detect_rank()
    mine = shard(chosen, rank)
    if rank.world > 1 and workers > 1:
        raise InvalidTrainConfig(f"--workers {workers} under {rank.launcher}: each rank is one worker; use --workers 1")
    dev = str(device_for(rank, device))
    common = dict(dataset=dataset, registry=str(out), config=cfg, data=str(data) if data else None,
                  resolution=resolution, channels=int(channels), device=dev)
    if mode == "conditional":  # one model: rank 0 trains it, other ranks have nothing to do
        mine = chosen if rank.rank == 0 else []
        jobs = [LabelJob(label=None, conditional_labels=tuple(chosen), **common)] if mine else []
    else:
        jobs = [LabelJob(label=lab, **common) for lab in mine]
    log.info("%s rank %d/%d: labels %s on %s", rank.launcher, rank.rank, rank.world, format_labels(mine), dev)
    _report(train_jobs(jobs, workers=workers, progress=progress), rank.rank, rank.world, out,
            f"zoo sample {dataset} {chosen[0]} -r {out}")


def _report(results: list, rank: int, world: int, out: Path, try_cmd: str) -> None:
    for r in results:
        name = "conditional" if r.label is None else f"label {r.label:>5}"
        resumed = f"  (resumed at step {r.resumed_from})" if r.resumed_from else ""
        click.echo(f"{name}  {r.status:<8} {r.steps:>7} steps  {r.seconds:8.1f} s{resumed}")
    if world == 1:  # the only process: safe to rebuild the index now
        LocalRegistry(out).reindex()
        click.echo(f"registry: {out.resolve()} (indexed); try `{try_cmd}`")
    else:
        click.echo(f"rank {rank}/{world} done; after every rank: `zoo registry reindex {out}`")


def _tick_s(budget_s: float) -> float:
    return min(5.0, max(0.5, budget_s / 50))  # about 50 stats lines per short run, one per 5 s on long ones


def _submit_slurm(args: dict, cfg: TrainConfig, chosen: list[int]) -> None:
    tasks = args["array_size"] or len(chosen)
    if not 1 <= tasks <= len(chosen):
        raise InvalidTrainConfig(f"--array-size {tasks}: expected 1..{len(chosen)}")
    out: Path = args["out"].resolve()
    passthrough = [args["dataset"] or args["name"], "--labels", format_labels(chosen), "--budget", args["budget"],
                   "--out", str(out), "--arch", args["arch"], "--preset", args["preset"], "--seed", str(args["seed"]),
                   "--batch-size", str(args["batch_size"]), "--latent-dim", str(args["latent_dim"]),
                   "--n-critic", str(args["n_critic"]), "--lr", str(args["lr"]),
                   "--checkpoint-every", args["checkpoint_every"], "--no-progress", "--precision", args["precision"],
                   "--channels-last" if args["channels_last"] else "--no-channels-last",
                   *(["--compile"] if args["compile_"] else [])]
    for opt in ("data", "resolution", "max_steps", "device"):
        if args[opt] is not None:
            passthrough += [f"--{opt.replace('_', '-')}", str(Path(args[opt]).resolve() if opt == "data" else args[opt])]
    opts = SlurmOptions(tasks=tasks, parallelism=args["array_parallelism"], partition=args["partition"],
                        time=args["time_limit"], gpus_per_task=args["gpus_per_task"],
                        job_name=f"wcgan-{args['dataset'] or args['name']}")
    log_dir = out / ".slurm"
    script = render_array_script(passthrough, opts=opts, n_labels=len(chosen), budget_s=cfg.budget_s,
                                 log_dir=log_dir, workdir=Path.cwd())
    if args["dry_run"]:
        click.echo(script, nl=False)
        return
    ensure_writable(out)
    array_id, index_id = submit(script, script_path=log_dir / "train-array.sbatch", registry=out)
    click.echo(f"submitted job array {array_id} ({tasks} tasks) and index job {index_id}; logs in {log_dir}")


@click.command("plot-training")
@click.argument("registry", type=click.Path(path_type=Path))
@click.argument("dataset")
@click.option("-o", "--out", type=click.Path(path_type=Path), help="PNG to write (default: DATASET-training.png).")
def plot_training_cmd(registry: Path, dataset: str, out: Path | None) -> None:
    """Draw the Wasserstein estimate and losses over time, per label, from the runs' stats.jsonl."""
    from .plots import plot_training

    path = plot_training(registry, dataset, out or Path(f"{dataset}-training.png"))
    click.echo(f"wrote {path}")
