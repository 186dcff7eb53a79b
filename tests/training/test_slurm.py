"""`zoo train --launcher slurm` against a real single-node SLURM cluster started by the fixture."""
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from registry import LocalRegistry, verify
from slurm_cluster import slurm_available, slurm_cluster, wait_for_jobs
from training.run import run_dir
from zoo.cli import main
from zoo.loading import generator_from_file


def test_dry_run_prints_the_array_script_with_the_options_asked_for(tmp_path):
    res = CliRunner().invoke(main, ["train", "cifar10", "--data", str(tmp_path), "--labels", "0-9", "--budget", "10m",
                                    "--launcher", "slurm", "--dry-run", "--partition", "gpu", "--gpus-per-task", "1",
                                    "--array-size", "5", "--array-parallelism", "2", "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    script = res.output
    for line in ["#SBATCH --array=0-4%2", "#SBATCH --partition=gpu", "#SBATCH --gpus-per-task=1",
                 "#SBATCH --time=00:35:00"]:  # 2 labels x 10 min x 1.25 + 10 min
        assert line in script
    assert f"{sys.executable} -m zoo train cifar10 --labels 0,1,2,3,4,5,6,7,8,9 --budget 10m" in script
    assert "--launcher auto" in script and not (tmp_path / "r").exists()  # a dry run writes nothing


def test_without_sbatch_the_error_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--launcher", "slurm", "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and "needs `sbatch` on PATH" in res.stderr


@pytest.mark.slow
@pytest.mark.skipif(slurm_available() is not None, reason=str(slurm_available()))
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
        assert "submitted job array" in res.stdout
        wait_for_jobs(env, timeout=240)
    logs = "\n".join(p.read_text() for p in sorted((out / ".slurm").glob("*.out")))
    launchers = {}
    for label in range(4):
        record = json.loads((run_dir(out, "fashion-mnist", label) / "config.json").read_text())["launcher"]
        launchers[label] = (record["launcher"], record["rank"], record["world"])
    assert launchers == {0: ("slurm-array", 0, 2), 1: ("slurm-array", 1, 2), 2: ("slurm-array", 0, 2),
                         3: ("slurm-array", 1, 2)}, logs
    index = LocalRegistry(out).index()  # written by the dependent index job, not by any rank
    assert sorted(index.datasets["fashion-mnist"].generators) == [0, 1, 2, 3], logs
    assert verify(LocalRegistry(out), load_check=generator_from_file).ok
