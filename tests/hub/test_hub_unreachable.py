"""An unreachable Hub, three ways, each in a network namespace of its own: a refused port, a black-holed address
(packets vanish: a connection waits for its timeout) and a DNS server that never answers (the resolver alone
would retry for 10 s and more). Every request either serves the cache or fails, within the probe's bound."""
from __future__ import annotations

import json
import os

import pytest
from conftest import requires, together
from hub_fixtures import bundled_repo_folder, hub, olah, published  # noqa: F401 - fixtures
from isolated_network import BLACKHOLE_HOST, SILENT_DNS_NAME, available, run_isolated

import zoo
from registry import hub_access

pytestmark = [pytest.mark.slow, requires(available()), together("hub")]

PROBE_BOUND_S = hub_access._PROBE_SECONDS
CHILD = """
import json, sys, time
import huggingface_hub, registry.hub, registry.hub_access  # imported before the clock: the bound is the probe's
import zoo
from zoo.errors import HubUnavailable
repo, out = REPO, OUT
times, errors = [], []
for label in (1, 1, 4):  # cached, cached again, never downloaded
    start = time.monotonic()
    try:
        zoo.sample("fashion-mnist", label=label, n=2, seed=0, registry="hf://" + repo)
        errors.append(None)
    except HubUnavailable as e:
        errors.append(str(e))
    times.append(time.monotonic() - start)
open(out, "w").write(json.dumps({"times": times, "errors": errors}))
"""


@pytest.mark.parametrize(("endpoint", "why"), [
    ("http://127.0.0.1:9", "cannot connect (Connection refused)"),
    (f"http://{BLACKHOLE_HOST}", f"cannot connect (no answer within {PROBE_BOUND_S:g} s)"),
    (f"https://{SILENT_DNS_NAME}", f"cannot resolve {SILENT_DNS_NAME} (no answer from DNS within"),
])
def test_an_unreachable_hub_serves_the_cache_or_fails_within_the_probe_bound(hub, published, tmp_path, endpoint,
                                                                            why) -> None:
    repo, _ = published
    zoo.sample("fashion-mnist", label=1, n=2, seed=0, registry=f"hf://{repo}")  # index and label 1 now cached
    out = tmp_path / "result.json"
    code = CHILD.replace("REPO", repr(repo)).replace("OUT", repr(str(out)))
    env = {**os.environ, "HF_ENDPOINT": endpoint}
    run = run_isolated(code, tmp_path / "ns", env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(out.read_text())
    print(f"{endpoint}: seconds per request {[round(t, 2) for t in result['times']]}")
    assert result["errors"][:2] == [None, None]  # the cached label is served
    assert why in result["errors"][2] and "zoo pull" in result["errors"][2]
    assert result["times"][0] < PROBE_BOUND_S + 3.0  # one probe, then the cache
    assert max(result["times"][1:]) < 1.0  # the probe's answer is remembered by the process
