"""Real training runs on real Fashion-MNIST images, with tiny nets and budgets of seconds."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

import zoo
from registry import LocalRegistry, verify
from registry.layout import run_dir
from training.config import TrainConfig
from training.job import LabelJob, TrainJob
from training.run import run_label
from zoo.cli import main
from zoo.loading import generator_from_file
from zoo.sampling import latents

ZOO = [sys.executable, "-m", "zoo"]


def tiny(**kw) -> TrainConfig:
    return TrainConfig(**{"budget_s": 600, "preset": "tiny", "latent_dim": 16, "batch_size": 16, "tick_s": 0.2,
                          **kw})


def one_label(dataset: str, label: int, root: Path, config: TrainConfig) -> LabelJob:
    (unit,) = TrainJob(dataset, (label,), str(root.resolve()), config).label_jobs()
    return unit


def test_same_config_and_seed_give_the_same_weights(tmp_path):
    def train(name, seed):
        run_label(one_label("fashion-mnist", 3, tmp_path / name, tiny(max_steps=3, seed=seed)))
        return LocalRegistry(tmp_path / name).read_generator("fashion-mnist", 3).tensors

    a, b, c = train("a", 0), train("b", 0), train("c", 1)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_a_budget_ends_with_a_saved_loadable_generator_and_its_record(tmp_path):
    t0 = time.monotonic()
    cfg = tiny(budget_s=2.0, seed=5)
    res = run_label(one_label("fashion-mnist", 8, tmp_path, cfg))
    wall = time.monotonic() - t0
    # The label trains for what the shared warm start leaves of its budget (0.8 x 2 s).
    assert res.status == "trained" and res.steps > 0 and cfg.label_budget_s() == 1.6 <= res.seconds < wall
    gf = LocalRegistry(tmp_path).read_generator("fashion-mnist", 8)
    assert (gf.meta.steps, gf.meta.seed, gf.meta.class_name) == (res.steps, 5, "Bag")
    assert gf.meta.seconds == pytest.approx(res.seconds)
    generator_from_file(gf)  # strict load
    lines = [json.loads(x) for x in (run_dir(tmp_path, "fashion-mnist", 8) / "stats.jsonl").read_text().splitlines()]
    assert len(lines) >= 3 and {"step", "seconds", "wasserstein", "loss_g"} <= lines[-1].keys()
    assert any("gp" in line for line in lines)  # logged on the ticks with a penalised step (every 4th, lazily)
    assert not (run_dir(tmp_path, "fashion-mnist", 8) / "checkpoint.pt").exists()
    timing = json.loads((run_dir(tmp_path, "fashion-mnist", 8) / "timing.json").read_text())
    # The CPU time the loop got: at most its wall-clock times its threads, and on an idle machine most of it.
    torch_threads = torch.get_num_threads()
    assert 0.2 * res.seconds < res.cpu_seconds == pytest.approx(timing["train_cpu_s"], abs=1e-3)
    assert res.cpu_seconds < res.seconds * torch_threads + 0.5
    assert run_label(one_label("fashion-mnist", 8, tmp_path, tiny(budget_s=2.0))).status == "skipped"


def test_local_pool_trains_every_label_once_and_indexes(tmp_path):
    out = tmp_path / "reg"
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--labels", "0-2", "--workers", "2", "--budget", "1m",
                                    "--max-steps", "2", "--preset", "tiny", "--batch-size", "8", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(LocalRegistry(out).index().datasets["fashion-mnist"].generators) == [0, 1, 2]
    assert res.output.count("trained") == 3
    x = zoo.sample("fashion-mnist", "pullover", n=2, seed=0, registry=out)
    assert x.shape == (2, 1, 28, 28)
    png = tmp_path / "plot.png"
    res = CliRunner().invoke(main, ["plot-training", str(out), "fashion-mnist", "-o", str(png)])
    assert res.exit_code == 0, res.output
    from PIL import Image

    assert Image.open(png).size == (1650, 462)
    res = CliRunner().invoke(main, ["plot-training", str(out), "mnist"])
    assert res.exit_code == 2 and "no training records" in res.stderr


@pytest.mark.parametrize("args,message", [
    (["train", "imagenet"], "did you mean 'imagenet1k'"),
    (["train", "fashion-mnist", "--budget", "soon"], "budget 'soon'"),
    (["train", "fashion-mnist", "--budget", "0"], "above 0 seconds"),
    (["train", "fashion-mnist", "--labels", "0-1", "--workers", "3"], "--workers 3: expected 1..2"),
    (["train", "fashion-mnist", "--labels", "12"], "expected an index in 0..9"),
    (["train", "fashion-mnist", "--warm-start-only"], "expected --job FILE with it"),
    (["train", "--name", "shapes", "--data", "/nonexistent/shapes"], "does not exist"),
    (["train", "fashion-mnist", "--out", "/etc/hostname/registry"], "is not writable"),
])
def test_bad_training_requests_are_one_line_and_exit_2(args, message):
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: ") and message in res.stderr and res.stderr.count("\n") == 1


@pytest.mark.slow
def test_two_ranks_given_the_same_label_never_corrupt_the_registry(tmp_path):
    out = tmp_path / "reg"
    cmd = [*ZOO, "train", "fashion-mnist", "--labels", "5", "--budget", "4s", "--preset", "tiny", "--out", str(out),
           "--no-progress"]
    env = {**os.environ, "RANK": "0", "WORLD_SIZE": "1"}  # a misconfigured launcher: both think they are rank 0
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    statuses = sorted(line.split()[2] for o in outputs for line in o.splitlines() if line.startswith("label"))
    assert statuses[0] in ("busy", "skipped") and statuses[1] == "trained"
    LocalRegistry(out).reindex()
    assert verify(LocalRegistry(out), load_check=generator_from_file).ok


@pytest.mark.slow
def test_torchrun_with_two_processes_shards_the_labels(tmp_path):
    out = tmp_path / "reg"
    torchrun = Path(sys.executable).parent / "torchrun"
    cmd = [str(torchrun), "--standalone", "--nproc-per-node", "2", "-m", "zoo", "train", "fashion-mnist",
           "--labels", "0-3", "--max-steps", "2", "--budget", "1m", "--preset", "tiny", "--batch-size", "8",
           "--out", str(out), "--no-progress"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert res.returncode == 0, res.stderr[-2000:]
    ranks = {}
    for label in range(4):
        record = json.loads((run_dir(out, "fashion-mnist", label) / "config.json").read_text())
        ranks[label] = (record["launcher"]["launcher"], record["launcher"]["rank"], record["launcher"]["world"])
    assert ranks == {0: ("torchrun", 0, 2), 1: ("torchrun", 1, 2), 2: ("torchrun", 0, 2), 3: ("torchrun", 1, 2)}
    assert "zoo registry reindex" in res.stdout  # ranks leave the index alone
    LocalRegistry(out).reindex()
    assert LocalRegistry(out).labels("fashion-mnist") == [0, 1, 2, 3]


def test_the_conditional_baseline_is_one_entry_serving_the_labels_it_learned_through_sample(tmp_path):
    out = tmp_path / "cond"
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--labels", "0,7", "--mode", "conditional",
                                    "--budget", "1s", "--preset", "tiny", "--batch-size", "16", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "conditional  trained" in res.output
    reg = LocalRegistry(out)
    entry = reg.index().datasets["fashion-mnist"]
    assert entry.generators == {} and entry.conditional.meta.kind == "conditional"
    gf = reg.read_generator("fashion-mnist", None)
    meta = gf.meta
    assert meta.arch_config["num_classes"] == 10 and meta.seconds >= 2.0  # 1 s per label, 2 labels
    a = zoo.sample("fashion-mnist", "sneaker", n=3, seed=0, registry=out)
    b = zoo.sample("fashion-mnist", 0, n=3, seed=0, registry=out)
    assert a.shape == (3, 1, 28, 28) and not torch.equal(a, b)  # same latents, the label makes the difference
    assert zoo.which("fashion-mnist", 7, registry=out).kind == "conditional"
    z = latents(3, meta.latent_dim, seed=0)
    with torch.no_grad():  # provenance: the net loaded straight from the file the run wrote
        assert torch.allclose(a, generator_from_file(gf)(z, torch.full((3,), 7)), atol=1e-6)
    assert torch.equal(a, zoo.load("fashion-mnist", 7, registry=out)(z))
    assert zoo.datasets(registry=out)["fashion-mnist"].labels == (0, 7) == meta.labels
    assert verify(reg, load_check=generator_from_file).ok
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--mode", "conditional", "--workers", "2"])
    assert res.exit_code == 2 and "--workers 1" in res.stderr


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # a zombie has already exited


def wait_for(paths: list[Path], lines: int = 1, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.is_file() and p.read_text().count("\n") >= lines for p in paths) and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM])  # SIGINT: the single-label test below, and the second Ctrl-C's
def test_stopping_a_pool_checkpoints_every_worker_and_exits_2(tmp_path, sig):
    """A scheduler's SIGTERM (or Ctrl-C, the same handler) to `zoo train --workers 2`: the parent passes the
    request on, each worker checkpoints at its next step, no worker outlives the parent, exit 2 with the resume
    hint; the same command resumes both labels."""
    out = tmp_path / "reg"
    # 8 s: the second worker starts seconds after the first on a loaded machine; with 2 s the first had finished
    # its label before the signal came (a CI failure), and this test is about stopping labels still training.
    cmd = [*ZOO, "train", "fashion-mnist", "--labels", "0-1", "--workers", "2", "--budget", "8s", "--warm-start",
           "0", "--checkpoint-every", "10m", "--preset", "tiny", "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for([run_dir(out, "fashion-mnist", k) / "stats.jsonl" for k in (0, 1)])
    pids = [json.loads((run_dir(out, "fashion-mnist", k) / "config.json").read_text())["pid"] for k in (0, 1)]
    assert proc.pid not in pids
    proc.send_signal(sig)
    stdout, err = proc.communicate(timeout=60)
    name = "SIGINT (Ctrl-C)" if sig == signal.SIGINT else "SIGTERM"
    assert proc.returncode == 2 and f"error: stopped by {name}: 2 labels" in err and "run the same command" in err, \
        stdout + err
    assert stdout.count("stopped") == 2 and not any(alive(p) for p in pids), "workers outlived the parent"
    assert all((run_dir(out, "fashion-mnist", k) / "checkpoint.pt").is_file() for k in (0, 1))
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0 and rerun.stdout.count("resumed at step") == 2, rerun.stdout + rerun.stderr


@pytest.mark.slow
def test_a_second_ctrl_c_stops_at_once(tmp_path):
    out = tmp_path / "reg"
    cmd = [*ZOO, "train", "fashion-mnist", "--labels", "0-1", "--workers", "2", "--budget", "1m", "--warm-start",
           "0", "--preset", "tiny", "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for([run_dir(out, "fashion-mnist", k) / "stats.jsonl" for k in (0, 1)])
    pids = [json.loads((run_dir(out, "fashion-mnist", k) / "config.json").read_text())["pid"] for k in (0, 1)]
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)  # two signals at one instant are one to the handler; a person's second Ctrl-C is not
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGINT
    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in pids)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT])  # SIGTERM: the pool test above and the SLURM requeue test
def test_ctrl_c_checkpoints_at_the_next_step_and_the_rerun_resumes_there(tmp_path, sig):
    """Ctrl-C, and what a scheduler's pre-emption or time limit sends (the same handler): the only checkpoint is
    the one the signal asks for."""
    out = tmp_path / "reg"
    cmd = [*ZOO, "train", "fashion-mnist", "--labels", "4", "--budget", "2s", "--checkpoint-every", "10m",
           "--preset", "tiny", "--batch-size", "16", "--warm-start", "0", "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stats = run_dir(out, "fashion-mnist", 4) / "stats.jsonl"
    deadline = time.monotonic() + 120
    while not (stats.is_file() and stats.read_text().count("\n") >= 2) and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    said = f"stopped by {'SIGTERM' if sig == signal.SIGTERM else 'SIGINT (Ctrl-C)'} at step "
    assert proc.returncode == 2 and said in err, err
    stopped_at = int(err.split(said)[1].split()[0])
    assert (run_dir(out, "fashion-mnist", 4) / "checkpoint.pt").is_file() and stopped_at > 0
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0 and f"resumed at step {stopped_at}" in rerun.stdout, rerun.stdout + rerun.stderr


@pytest.mark.slow
def test_a_stop_request_while_a_finished_label_is_saved_keeps_it_and_starts_no_other(tmp_path):
    """SIGTERM that comes after the last step, halfway through writing the generator (the fault point sends it
    there, exactly): the save completes, that label is trained, the next label is not started, exit 2; the
    same command trains only the label left. Before, that signal ended the process and the label's training
    was lost (in a pool, the worker died and took the pool down: exit 1)."""
    out = tmp_path / "reg"
    cmd = [*ZOO, "train", "fashion-mnist", "--labels", "0-1", "--budget", "1s", "--warm-start", "0",
           "--preset", "tiny", "--out", str(out), "--no-progress"]
    env = {**os.environ, "WCGAN_ZOO_FAULT": "generator-write@1", "WCGAN_ZOO_FAULT_SIGNAL": "TERM"}
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert first.returncode == 2 and "stopped by SIGTERM: 1 label" in first.stderr, first.stdout + first.stderr
    assert "label     0  trained" in first.stdout and "label     1  stopped" in first.stdout, first.stdout
    reg = LocalRegistry(out)
    assert reg.has("fashion-mnist", 0) and not reg.has("fashion-mnist", 1)
    assert generator_from_file(reg.read_generator("fashion-mnist", 0)) is not None  # whole, not a half file
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0 and "label     1  trained" in rerun.stdout, rerun.stdout + rerun.stderr
    assert "label     0  trained" not in rerun.stdout and zoo.which("fashion-mnist", 1, registry=out) is not None


def test_a_pool_worker_told_to_stop_between_labels_waits_for_its_parent(tmp_path):
    """A worker outside a training loop does not end itself on its parent's SIGTERM (a dead worker breaks the
    pool): it records the request and starts no other label."""
    code = ("import os, signal; from training import preempt; preempt.worker_signals(); "
            "os.kill(os.getpid(), signal.SIGTERM); print('alive', preempt.requested(), preempt.reason())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.split() == ["alive", "True", "SIGTERM"], done.stdout + done.stderr
    plain = subprocess.run([sys.executable, "-c", code.replace("worker_signals", "listen")], capture_output=True,
                           text=True, timeout=60)
    assert plain.returncode == 128 + signal.SIGTERM and "alive" not in plain.stdout  # not a worker: at once
