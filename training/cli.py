"""`zoo train`: plugged into the `zoo` command line through the `wcgan_zoo.commands` entry point."""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import click

from registry import LocalRegistry
from registry.layout import jobs_dir
from registry.summary import count
from zoo.devices import check_device
from zoo.errors import UnknownDataset, suggest
from zoo.labels import parse_labels
from zoo.specs import BUILTIN_SPECS, DatasetSpec

from . import preempt
from .agreement import refuse_other_jobs
from .data import DataSource
from .errors import InvalidTrainConfig
from .job import MODES, TrainJob
from .options import train_config_from, train_config_options
from .pool import train_jobs
from .run import ensure_writable
from .truncation import features_for
from .shard import detect_rank
from .slurm import SlurmOptions, describe, plan_submission, submit
from .warm_start import ensure_warm_start

log = logging.getLogger(__name__)


def _spec(src: DataSource) -> DatasetSpec:
    """The data set's spec at the shape the job trains: a built-in one (resized where it is resizable), or a user
    folder tree's."""
    dataset = src.dataset
    if src.builtin is not None:
        return dataclasses.replace(src.builtin.spec, image_shape=src.image_shape())
    if src.data is None:
        raise UnknownDataset(f"unknown dataset {dataset!r}{suggest(dataset, BUILTIN_SPECS)}; "
                             "for your own class-per-folder images pass --data PATH --name NAME")
    return DatasetSpec(dataset, src.class_names(), src.image_shape())


def _labels(text: str, spec: DatasetSpec, src: DataSource) -> tuple[int, ...]:
    """The labels to train: 'all' is every label the data holds (a subset of ImageNet's synsets trains those);
    a label asked for by name or index that the data lacks is refused before anything runs."""
    present = src.labels_present()
    if text.strip().lower() == "all":
        return present
    chosen = parse_labels(text, spec)
    missing = sorted(set(chosen) - set(present))
    if missing:
        listed = ", ".join(spec.describe(i) for i in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise InvalidTrainConfig(f"--labels {text}: expected labels the data holds ({len(present)} of "
                                 f"{spec.num_classes}); {len(missing)} have no images: {listed}")
    return tuple(chosen)


@click.command("train")
@click.argument("dataset", required=False)
@click.option("--name", help="Name of a user data set (class-per-folder tree given by --data).")
@click.option("--data", type=click.Path(path_type=Path), help="Where the data set's files are.")
@click.option("--labels", default="all", show_default=True, help="Labels: 0-9, 0,3,5-7, class names, or all.")
@click.option("--workers", type=int, default=1, show_default=True, help="Local processes (cores / N threads each).")
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("zoo-registry"), show_default=True,
              help="Registry folder the generators are written into.")
@click.option("--resolution", type=int, help="Resize folder / ImageNet images to this (default 64); Fashion-MNIST "
              "and MNIST (28 px) take 32, their images centred on their background (the ResNet family's 32 px).")
@click.option("--channels", type=click.Choice(["1", "3"]), default="3", help="Channels of a user folder set.")
@click.option("--max-images", type=int, help="Use only the first N images of each label (e.g. 500: CIFAR-100's "
              "regime).")
@click.option("--mode", type=click.Choice(MODES), default="per-label", show_default=True,
              help="conditional: the monolithic baseline, one conditional WGAN-GP for all chosen labels, "
                   "trained for --budget x (number of labels).")
@train_config_options
@click.option("--device", help="torch device (default: cuda:LOCAL_RANK when CUDA exists, else cpu).")
@click.option("--launcher", type=click.Choice(["auto", "slurm"]), default="auto", show_default=True,
              help="auto: local pool, or shard by rank under torchrun / SLURM / MPI. slurm: submit a job array.")
@click.option("--partition", help="SLURM partition.")
@click.option("--time", "time_limit", help="SLURM time limit per array task (default from the budget).")
@click.option("--gpus-per-task", type=int, help="SLURM GPUs per array task.")
@click.option("--array-size", type=int, help="SLURM array tasks (default: one per label).")
@click.option("--array-parallelism", type=int, help="SLURM: at most this many array tasks at once.")
@click.option("--dry-run", is_flag=True, help="With --launcher slurm: print what submitting would write and every "
              "sbatch call in order (a shell script), write and submit nothing.")
@click.option("--job", "job_file", type=click.Path(path_type=Path),
              help="Run a saved job file (what SLURM array tasks run); no other job options then.")
@click.option("--warm-start-from", type=click.Path(path_type=Path), help="Fine-tune every label from this shared "
              "start (a warm-start .safetensors of the same data set and net) instead of training one.")
@click.option("--warm-start-only", is_flag=True, help="With --job: train (or check) the job's shared warm start "
              "and stop (the SLURM launcher's start job runs this before the array).")
@click.option("--retrain", is_flag=True, help="Train the chosen labels even where the registry has them; each "
              "new generator replaces the old one atomically once written. Without it they are skipped.")
@click.option("--progress/--no-progress", default=None, help="Live progress bars (default: on a terminal).")
def train(dataset: str | None, name: str | None, data: Path | None, labels: str, workers: int, out: Path,
          resolution: int | None, channels: str, max_images: int | None, mode: str, device: str | None, launcher: str,
          partition: str | None, time_limit: str | None, gpus_per_task: int | None, array_size: int | None,
          array_parallelism: int | None, dry_run: bool, job_file: Path | None, warm_start_from: Path | None,
          warm_start_only: bool, retrain: bool, progress: bool | None, **options) -> None:
    """Train one WGAN-GP generator per label of DATASET, each for --budget of wall-clock time."""
    if job_file is not None:
        given = _given_options(click.get_current_context(), allowed=("job_file", "warm_start_only", "progress"))
        if given:
            raise InvalidTrainConfig(f"--job runs a saved job as it is: expected no other job options with it, "
                                     f"got {', '.join(given)}")
        if warm_start_only:
            return _warm_start_only(TrainJob.load(job_file))
        return _run(TrainJob.load(job_file), workers=1, progress=False)
    if warm_start_only:
        raise InvalidTrainConfig("--warm-start-only trains a saved job's shared start: expected --job FILE with it")
    dataset = dataset or name
    if not dataset:
        raise InvalidTrainConfig("expected a DATASET argument or --name for a user data set")
    if device is not None:
        check_device(device)  # a device this machine lacks: one line naming those it has, before any work
    src = DataSource(dataset, data, resolution, int(channels))
    spec = _spec(src)
    cfg = train_config_from(options, click.get_current_context(), mode=mode)
    job = TrainJob(dataset, _labels(labels, spec, src), str(out.resolve()),
                   dataclasses.replace(cfg, tick_s=_tick_s(cfg.budget_s)), mode=mode,
                   data=str(data.resolve()) if data else None, resolution=resolution, channels=int(channels),
                   device=device, retrain=retrain, max_images=max_images,
                   warm_start_from=str(warm_start_from.resolve()) if warm_start_from else None)
    if mode == "conditional" and (workers != 1 or launcher == "slurm"):
        raise InvalidTrainConfig("--mode conditional trains one model in one process: use --workers 1, no --launcher slurm")
    if workers < 1 or workers > len(job.labels):
        raise InvalidTrainConfig(f"--workers {workers}: expected 1..{len(job.labels)} (one label per worker at most; "
                                 f"{count(len(job.labels), 'label')} chosen)")
    refuse_other_jobs(job)  # before anything is trained or copied in
    if job.warm_start_from:
        ensure_warm_start(job)  # checked against the job and copied into the registry before anything runs
    if launcher == "slurm":
        opts = SlurmOptions(tasks=array_size or len(job.labels), parallelism=array_parallelism,
                            partition=partition, time=time_limit, gpus_per_task=gpus_per_task,
                            job_name=f"wcgan-{dataset}")
        return _submit_slurm(job, opts, dry_run)
    _run(job, workers=workers, progress=progress)


def _given_options(ctx: click.Context, *, allowed: tuple[str, ...]) -> list[str]:
    """The options and arguments given on the command line (or by environment) besides ``allowed``."""
    sources = (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT)
    return [p.opts[0] if p.opts[0].startswith("-") else p.name.upper() for p in ctx.command.params
            if p.name not in allowed and ctx.get_parameter_source(p.name) in sources]


def _warm_start_only(job: TrainJob) -> None:
    preempt.listen()
    start = ensure_warm_start(job, progress=False)
    click.echo(f"warm start {start[0].name} ready in {job.registry}" if start else "this job has no warm start")


def _preflight(job: TrainJob) -> None:
    """What would fail after hours of training, refused before any."""
    ensure_writable(job.registry)
    if job.config.truncation == "auto":
        features_for(job.registry, job.dataset)  # the candidates' scorer: refused now if there is none


def _run(job: TrainJob, *, workers: int, progress: bool | None) -> None:
    """This process's share of the job: every unit locally, or this rank's under a launcher."""
    _preflight(job)
    rank = detect_rank()
    if rank.world > 1 and workers > 1:
        raise InvalidTrainConfig(f"--workers {workers} under {rank.launcher}: each rank is one worker; use --workers 1")
    units = job.label_jobs(rank)
    # SIGTERM (pre-emption, time limit, requeue) and Ctrl-C checkpoint at the next step, then stop; a pool's
    # parent passes the request on to its workers and waits for their checkpoints.
    preempt.listen()
    log.info("%s rank %d/%d: %s", rank.launcher, rank.rank, rank.world, [u.name for u in units])
    results = train_jobs(units, workers=workers, progress=progress)
    stopped = [r for r in results if r.status == "stopped"]
    _report(results, rank.rank, rank.world, Path(job.registry), job.dataset,
            f"zoo sample {job.dataset} {job.labels[0]} -r {job.registry}", index=not stopped)
    if stopped:
        raise preempt.Preempted(f"stopped by {preempt.reason()}: {count(len(stopped), 'label')} checkpointed at "
                                "their next step or not started; run the same command again to resume")


def _report(results: list, rank: int, world: int, out: Path, dataset: str, try_cmd: str, *,
            index: bool = True) -> None:
    for r in results:
        name = "conditional" if r.label is None else f"label {r.label:>5}"
        resumed = f"  (resumed at step {r.resumed_from})" if r.resumed_from else ""
        if r.status == "busy":  # another process holds its lock; what it holds now is untouched
            resumed += ("  (another process is training it; its current file is left in place)"
                        if LocalRegistry(out).has(dataset, r.label) else "  (another process is training it)")
        click.echo(f"{name}  {r.status:<8} {r.steps:>7} steps  {r.seconds:8.1f} s{resumed}")
    if not index:
        return
    if world == 1:  # the only process: safe to rebuild the index now
        LocalRegistry(out).reindex()
        click.echo(f"registry: {out.resolve()} (indexed); try `{try_cmd}`")
    else:
        click.echo(f"rank {rank}/{world} done; after every rank: `zoo registry reindex {out}`")


def _tick_s(budget_s: float) -> float:
    return min(5.0, max(0.5, budget_s / 50))  # about 50 stats lines per short run, one per 5 s on long ones


def _submit_slurm(job: TrainJob, opts: SlurmOptions, dry_run: bool) -> None:
    if opts.tasks < 1:
        raise InvalidTrainConfig(f"--array-size {opts.tasks}: expected 1..{len(job.labels)}")
    if opts.tasks > len(job.labels):
        click.echo(f"note: --array-size {opts.tasks} is more than the {count(len(job.labels), 'label')} chosen; "
                   f"submitting {count(len(job.labels), 'task')}", err=True)
        opts = dataclasses.replace(opts, tasks=len(job.labels))
    log_dir, cfg = jobs_dir(job.registry), job.config
    trains_start = job.uses_shared_start() and not job.warm_start_from
    start_s = cfg.start_core_seconds(len(job.labels)) / opts.cpus_per_task if trains_start else None
    plan = plan_submission(log_dir / job.file_name(), job.to_text(), opts=opts, n_labels=len(job.labels),
                           budget_s=cfg.label_budget_s(), start_s=start_s, registry=Path(job.registry),
                           log_dir=log_dir, workdir=Path.cwd())
    if dry_run:
        click.echo(describe(plan), nl=False)
        return
    _preflight(job)
    ids = submit(plan)
    after = f" after warm-start job {ids['START']}" if "START" in ids else ""
    click.echo(f"submitted job array {ids['ARRAY']} ({opts.tasks} tasks{after}) and index job {ids['INDEX']} for job "
               f"file {log_dir / job.file_name()}; logs in {log_dir}")


@click.command("plot-training")
@click.argument("registry", type=click.Path(path_type=Path))
@click.argument("dataset")
@click.option("-o", "--out", type=click.Path(path_type=Path), help="PNG to write (default: DATASET-training.png).")
def plot_training_cmd(registry: Path, dataset: str, out: Path | None) -> None:
    """Draw the Wasserstein estimate and losses over time, per label, from the runs' stats.jsonl."""
    from .plots import plot_training

    path = plot_training(registry, dataset, out or Path(f"{dataset}-training.png"))
    click.echo(f"wrote {path}")
