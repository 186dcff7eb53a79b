"""A real single-node SLURM cluster (Debian's slurmctld, slurmd and munge) on localhost, for tests.

Started and stopped by the fixture; its state, spool and logs live in a temporary folder.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CONF = """\
ClusterName=zootest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={dir}/state
SlurmdSpoolDir={dir}/spool
SlurmctldPidFile={dir}/slurmctld.pid
SlurmdPidFile={dir}/slurmd.pid
SlurmctldLogFile={dir}/slurmctld.log
SlurmdLogFile={dir}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=1
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=localhost NodeHostname={host} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slurm_available() -> str | None:
    """None if a cluster can be started here, else why not."""
    for exe in ("slurmctld", "slurmd", "munged", "sbatch", "scontrol"):
        if shutil.which(exe) is None and not Path(f"/usr/sbin/{exe}").exists():
            return f"{exe} not installed (make test installs slurmctld, slurmd, munge)"
    if os.geteuid() != 0:
        return "starting slurmd needs root"
    return None


def _ensure_munge() -> None:
    if subprocess.run(["munge", "-n"], capture_output=True).returncode == 0:
        return
    Path("/run/munge").mkdir(parents=True, exist_ok=True)
    shutil.chown("/run/munge", "munge", "munge")
    subprocess.run(["runuser", "-u", "munge", "--", "/usr/sbin/munged"], check=True, capture_output=True)
    for _ in range(50):
        if subprocess.run(["munge", "-n"], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("munged did not come up")


@contextmanager
def slurm_cluster(folder: Path) -> Iterator[dict[str, str]]:
    """Yield the environment (SLURM_CONF) under which sbatch and friends talk to the cluster."""
    _ensure_munge()
    for sub in ("state", "spool"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    conf = folder / "slurm.conf"
    conf.write_text(CONF.format(host=socket.gethostname(), dir=folder, ctld_port=_free_port(),
                                slurmd_port=_free_port()))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    logs = [open(folder / f"{d}.out", "wb") for d in ("slurmctld", "slurmd")]
    daemons = [subprocess.Popen(["/usr/sbin/slurmctld", "-D", "-i", "-f", str(conf)], env=env, stdout=logs[0],
                                stderr=subprocess.STDOUT)]
    daemons.append(subprocess.Popen(["/usr/sbin/slurmd", "-D", "-f", str(conf)], env=env, stdout=logs[1],
                                    stderr=subprocess.STDOUT))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            out = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True)
            if out.returncode == 0 and out.stdout.strip() in ("idle", "mixed", "allocated"):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"SLURM did not come up: {(folder / 'slurmctld.log').read_text()[-2000:]}")
        yield env
    finally:
        subprocess.run(["scontrol", "shutdown"], env=env, capture_output=True, timeout=30)
        for d in daemons:
            try:
                d.wait(timeout=15)
            except subprocess.TimeoutExpired:
                d.kill()
        for f in logs:
            f.close()


def wait_for_jobs(env: dict[str, str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        q = subprocess.run(["squeue", "-h", "-o", "%i %T"], env=env, capture_output=True, text=True)
        if q.returncode == 0 and not q.stdout.strip():
            return
        time.sleep(0.5)
    raise TimeoutError(f"jobs still queued after {timeout} s")
