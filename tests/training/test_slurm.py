"""`zoo train --launcher slurm` against a real single-node SLURM cluster started by the fixture."""
import json
import os
import shlex
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import requires, together
from slurm_cluster import slurm_available, slurm_cluster, wait_for_jobs

from registry import LocalRegistry, verify
from registry.layout import run_dir
from training.config import TrainConfig
from training.job import TrainJob
from zoo.cli import main
from zoo.loading import generator_from_file

pytestmark = together("slurm")


def test_dry_run_prints_the_array_script_with_the_options_asked_for(tmp_path):
    res = CliRunner().invoke(main, ["train", "cifar10", "--data", str(tmp_path), "--labels", "0-9", "--budget", "10m",
                                    "--launcher", "slurm", "--dry-run", "--partition", "gpu", "--gpus-per-task", "1",
                                    "--array-size", "5", "--array-parallelism", "2", "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    script = res.output
    for line in ["#SBATCH --array=0-4%2", "#SBATCH --partition=gpu", "#SBATCH --gpus-per-task=1",
                 "#SBATCH --time=00:30:00",  # 2 labels x 8 min (10 min less the warm start's 0.2) x 1.25 + 10 min
                 "#SBATCH --requeue", "#SBATCH --signal=B:TERM@120"]:
        assert line in script
    # The shared warm start is a job of its own, first: 0.2 x 10 min x 10 labels = 20 min, x 1.25 + 10 min.
    start = next(line for line in script.splitlines() if line.startswith("START=$(sbatch "))
    assert "--job-name=wcgan-cifar10-start" in start and "--time=00:35:00" in start
    assert "--warm-start-only" in start and "--gpus-per-task=1" in start
    # Every task runs the one saved job: no option is re-spelt on the task's command line.
    job = TrainJob("cifar10", tuple(range(10)), str((tmp_path / "r").resolve()), TrainConfig(budget_s=600, tick_s=5.0),
                   data=str(tmp_path.resolve()))
    job_file = tmp_path / "r" / ".slurm" / job.file_name()
    assert f"{sys.executable} -m zoo train --job {job_file} --no-progress" in script
    assert "--budget" not in script and not (tmp_path / "r").exists()  # a dry run writes nothing
    assert f"cat > {job_file} <<'EOF'\n{job.to_text()}EOF\n" in script  # the job file it would write, whole


def sbatch_calls(text: str) -> list[list[str]]:
    """The sbatch arguments of each `NAME=$(sbatch --parsable ...)` line of a dry run, in order."""
    return [shlex.split(line.split("$(sbatch --parsable ", 1)[1][:-1]) for line in text.splitlines()
            if "=$(sbatch --parsable " in line]


@pytest.mark.parametrize("warm_start", ["0.2", "0"])
def test_the_dry_run_lists_exactly_the_sbatch_calls_submit_makes(tmp_path, monkeypatch, warm_start):
    """A recording sbatch (this machine's real cluster would run the jobs; here only the calls matter) logs
    each call's arguments and answers a job id; the dry run must have printed the same calls in the same
    order, with $START / $ARRAY where the ids go."""
    bin_dir, calls_log = tmp_path / "bin", tmp_path / "calls.jsonl"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text(f"""#!{sys.executable}
import json, sys
with open({str(calls_log)!r}, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
n = sum(1 for _ in open({str(calls_log)!r}))
print(f"{{1000 + n}};cluster")
""")
    (bin_dir / "sbatch").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    args = ["train", "fashion-mnist", "--labels", "0-3", "--budget", "1m", "--warm-start", warm_start,
            "--launcher", "slurm", "--array-size", "2", "--partition", "cpu", "--out", str(tmp_path / "r")]
    dry = CliRunner().invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 0 and not calls_log.exists(), dry.output
    sent = CliRunner().invoke(main, args)
    assert sent.exit_code == 0, sent.output
    recorded = [json.loads(line) for line in calls_log.read_text().splitlines()]
    ids = {name: str(1000 + i + 1) for i, name in enumerate(["START", "ARRAY", "INDEX"][warm_start == "0":])}
    planned = [[a.replace("$START", ids.get("START", "?")).replace("$ARRAY", ids["ARRAY"]) for a in call]
               for call in sbatch_calls(dry.stdout)]
    assert recorded == [["--parsable", *call] for call in planned]
    assert len(recorded) == (3 if warm_start != "0" else 2)
    deps = [a for call in recorded for a in call if a.startswith("--dependency")]
    assert deps == ([f"--dependency=afterok:{ids['START']}"] if warm_start != "0" else []) + \
        [f"--dependency=afterany:{ids['ARRAY']}"]
    (job_file,) = (tmp_path / "r" / ".slurm").glob("job-*.json")  # written as the dry run showed it
    assert f"cat > {job_file} <<'EOF'\n{job_file.read_text()}EOF\n" in dry.stdout
    script = (tmp_path / "r" / ".slurm" / "train-array.sbatch").read_text()
    assert script in dry.stdout and str(job_file) in recorded[-2][-1] + script


def test_a_task_runs_the_job_file_it_is_given_and_a_bad_one_is_one_line(tmp_path):
    job = TrainJob("fashion-mnist", (2, 5), str(tmp_path / "r"), TrainConfig(max_steps=1, preset="tiny", batch_size=8))
    path = job.save(tmp_path / "jobs")
    assert TrainJob.load(path) == job and path.name == job.file_name()
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "0"}
    res = subprocess.run([sys.executable, "-m", "zoo", "train", "--job", str(path), "--no-progress"],
                         capture_output=True, text=True, timeout=300, env=env)
    assert res.returncode == 0, res.stderr
    assert LocalRegistry(tmp_path / "r").labels("fashion-mnist") == [5]  # task 1 of 2: its share only
    record = json.loads((run_dir(tmp_path / "r", "fashion-mnist", 5) / "config.json").read_text())
    assert TrainJob.from_json(record["job"]) == job  # the saved record is the job it ran
    path.write_text("{not json")
    for bad in (path, tmp_path / "missing.json"):
        res = CliRunner().invoke(main, ["train", "--job", str(bad)])
        assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "job file" in res.stderr


def test_without_sbatch_the_error_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--launcher", "slurm", "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and "needs `sbatch` on PATH" in res.stderr


@pytest.mark.slow
@requires(slurm_available())
def test_a_job_array_on_a_real_cluster_trains_each_label_once_and_indexes(tmp_path, monkeypatch):
    out = tmp_path / "reg"
    with slurm_cluster(tmp_path / "slurm") as env:
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        res = subprocess.run([sys.executable, "-m", "zoo", "train", "fashion-mnist", "--labels", "0-3",
                              "--launcher", "slurm", "--array-size", "2", "--max-steps", "2", "--budget", "1m",
                              "--preset", "tiny", "--batch-size", "8", "--out", str(out)],
                             capture_output=True, text=True, timeout=120, env=env)
        assert res.returncode == 0, res.stderr
        assert "submitted job array" in res.stdout and "after warm-start job" in res.stdout
        (job_file,) = (out / ".slurm").glob("job-*.json")
        assert TrainJob.load(job_file).config.max_steps == 2 and job_file.name in res.stdout
        wait_for_jobs(env, timeout=240)
    logs = "\n".join(p.read_text() for p in sorted((out / ".slurm").glob("*.out")))
    launchers = {}
    for label in range(4):
        record = json.loads((run_dir(out, "fashion-mnist", label) / "config.json").read_text())["launcher"]
        launchers[label] = (record["launcher"], record["rank"], record["world"])
    assert launchers == {0: ("slurm-array", 0, 2), 1: ("slurm-array", 1, 2), 2: ("slurm-array", 0, 2),
                         3: ("slurm-array", 1, 2)}, logs
    (start_log,) = (out / ".slurm").glob("slurm-start-*.out")  # the shared start: its own job, before the array
    assert "warm start warm-start-" in start_log.read_text() and " ready in " in start_log.read_text(), logs
    index = LocalRegistry(out).index()  # written by the dependent index job, not by any rank
    assert sorted(index.datasets["fashion-mnist"].generators) == [0, 1, 2, 3], logs
    assert verify(LocalRegistry(out), load_check=generator_from_file).ok


def test_a_resubmission_with_another_config_is_refused_with_the_difference(tmp_path):
    out = tmp_path / "r"
    first = TrainJob("fashion-mnist", tuple(range(10)), str(out.resolve()), TrainConfig(budget_s=60, tick_s=1.2))
    first.save(out / ".slurm")
    base = ["train", "fashion-mnist", "--launcher", "slurm", "--dry-run", "--out", str(out)]
    res = CliRunner().invoke(main, [*base, "--labels", "5-9", "--budget", "2m", "--lr", "1e-4"])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1, res.output
    assert "labels 5,6,7,8,9" in res.stderr and "budget_s: 60.0 -> 120.0" in res.stderr
    assert "lr: 0.001 -> 0.0001" in res.stderr and "--retrain" in res.stderr
    same = CliRunner().invoke(main, [*base, "--labels", "5-9", "--budget", "1m"])  # as it was: accepted
    assert same.exit_code == 0, same.stderr
    other_labels = CliRunner().invoke(main, [*base, "--labels", "0-4", "--budget", "2m"])
    assert other_labels.exit_code == 2  # the same labels 0-4 were in the first job too
    replaced = CliRunner().invoke(main, [*base, "--labels", "5-9", "--budget", "2m", "--retrain"])
    assert replaced.exit_code == 0, replaced.stderr


def test_an_array_larger_than_the_labels_is_clamped_with_a_note(tmp_path):
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--labels", "0-3", "--launcher", "slurm", "--dry-run",
                                    "--array-size", "50", "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.stderr
    assert "note: --array-size 50 is more than the 4 labels chosen; submitting 4 tasks" in res.stderr
    assert "#SBATCH --array=0-3\n" in res.stdout
