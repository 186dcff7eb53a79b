import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import add_generator, tree_digest
from PIL import Image

from zoo.cli import main

ZOO = shutil.which("zoo", path=str(Path(sys.executable).parent))


@pytest.fixture
def reg(make_registry):
    return make_registry({"fashion-mnist": [0, 7]})


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_list_shows_builtin_specs_and_what_registries_hold(make_registry):
    reg = make_registry({"mnist": [0, 7]})
    res = run("list", "-r", str(reg.root))
    assert res.exit_code == 0
    row = next(line for line in res.output.splitlines() if line.startswith("mnist"))
    assert row.split()[:4] == ["mnist", "10", "1x28x28", "2"] and str(reg.root) in row
    named = next(line for line in res.output.splitlines() if line.startswith("fashion-mnist"))
    assert named.split()[3] == "0" and "pretrained" not in named  # --registry is the whole search path
    res = run("list")
    bundled = next(line for line in res.output.splitlines() if line.startswith("fashion-mnist"))
    assert bundled.split()[3] == "10" and "pretrained" in bundled  # the zoo that ships with the package
    assert any(line.startswith("imagenet1k ") and " 1000 " in line for line in res.output.splitlines())


def test_sample_writes_a_grid_of_the_requested_size(reg, tmp_path):
    out = tmp_path / "grid.png"
    res = run("sample", "fashion-mnist", "sneaker", "-n", "6", "--seed", "0", "--nrow", "3", "-o", str(out),
              "-r", str(reg.root))
    assert res.exit_code == 0 and str(out) in res.output and "seed 0" in res.output
    assert Image.open(out).size == (3 * (3 * 30 + 2), 3 * (2 * 30 + 2))  # scaled to >= 256 px wide: x3
    res = run("sample", "fashion-mnist", "sneaker", "-n", "6", "--seed", "0", "--nrow", "3", "-o", str(out),
              "--scale", "1", "-r", str(reg.root))
    assert Image.open(out).size == (3 * 30 + 2, 2 * 30 + 2)


def test_sample_each_writes_one_file_per_image_and_the_same_seed_repeats(reg, tmp_path):
    for folder in ("a", "b"):
        res = run("sample", "fashion-mnist", "0", "-n", "3", "--seed", "9", "--each", "-o", str(tmp_path / folder),
                  "-r", str(reg.root))
        assert res.exit_code == 0, res.output
    a, b = tree_digest(tmp_path / "a"), tree_digest(tmp_path / "b")
    assert len(a) == 3 and a == b


@pytest.mark.parametrize("args,message", [
    (["sample", "fashion-mnst", "0"], "unknown dataset 'fashion-mnst'; did you mean 'fashion-mnist'?"),
    (["sample", "fashion-mnist", "Sneeker"], "did you mean 'Sneaker'?"),
    (["sample", "imagenet1k", "bull"], "'bull mastiff' (243, n02108422)"),
    (["sample", "fashion-mnist", "12"], "expected an index in 0..9"),
    (["sample", "fashion-mnist", "²"], "unknown label '²'"),
    (["sample", "fashion-mnist", "0", "--truncation", "inf"], "truncation: expected a number in 0.05..10"),
    (["sample", "imagenet1k", "cardigan"], "'cardigan' (474, n02963159): use the index or the class id"),
    (["sample", "fashion-mnist", "0", "-n", "0"], "n: expected images in 1..4096, got 0"),
    (["sample", "fashion-mnist", "0", "-n", "-5"], "got -5"),
    (["sample", "fashion-mnist", "0", "-n", "100000"], "got 100000"),
    (["sample", "../x", "0"], "unknown dataset '../x'"),
    (["sample", "mnist", "3"], "no generator serves dataset 'mnist', label 3"),
    (["registry", "verify", "/nonexistent/registry"], "not a registry"),
    (["registry", "reindex", "/tmp"], "not a registry"),
])
def test_library_errors_are_one_line_and_exit_code_2(reg, args, message):
    res = CliRunner().invoke(main, [*args, *(["-r", str(reg.root)] if args[0] == "sample" else [])])
    assert res.exit_code == 2, res.output
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("error: ") and message in res.stderr
    assert "Traceback" not in res.output


def test_verify_and_reindex_from_the_shell(reg):
    res = run("registry", "verify", str(reg.root))
    assert res.exit_code == 0 and "2 files checked, 0 problems" in res.output
    add_generator(reg, "fashion-mnist", 3)
    res = run("registry", "verify", str(reg.root))
    assert res.exit_code == 0 and "not in the index yet" in res.stderr
    res = run("registry", "reindex", str(reg.root))
    assert res.exit_code == 0 and "3 generators indexed" in res.output
    p = reg.path_of("fashion-mnist", 3)
    p.write_bytes(p.read_bytes()[:-1] + b"!")
    res = run("registry", "verify", str(reg.root))
    assert res.exit_code == 1 and "expected sha256" in res.stderr
    assert "1 problem" in res.output and "1 problems" not in res.output


def test_reindex_creates_the_index_of_a_folder_of_generator_files(reg):
    (reg.root / "index.json").unlink()
    res = run("registry", "reindex", str(reg.root))
    assert res.exit_code == 0
    assert set(json.loads((reg.root / "index.json").read_text())["datasets"]["fashion-mnist"]["generators"]) == {"0", "7"}


def test_the_installed_console_script_reports_errors_without_a_traceback(reg, tmp_path):
    assert ZOO, "the `zoo` console script is not installed next to this Python"
    ok = subprocess.run([ZOO, "sample", "fashion-mnist", "7", "-n", "2", "--seed", "1", "-o", str(tmp_path / "x.png"),
                         "-r", str(reg.root)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and (tmp_path / "x.png").is_file()
    bad = subprocess.run([ZOO, "sample", "imagenet", "0"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0 and "did you mean 'imagenet1k'" in bad.stderr


def test_grid_draws_one_row_per_class(make_registry, tmp_path):
    reg = make_registry({"mnist": [0, 3, 9]})
    out = tmp_path / "g.png"
    res = run("grid", "mnist", "-n", "4", "-o", str(out), "-r", str(reg.root))
    assert res.exit_code == 0 and "3 classes x 4 images" in res.output
    named = Image.open(out).copy()  # read now: the next command rewrites the file
    assert named.height == 3 * (3 * 30 + 2) and named.width > 3 * (4 * 30 + 2)  # x3, then the names' margin
    res = run("grid", "mnist", "-n", "4", "-o", str(out), "--scale", "1", "--no-names", "-r", str(reg.root))
    assert Image.open(out).size == (4 * 30 + 2, 3 * 30 + 2)
    margin = named.crop((0, 0, named.width - 3 * (4 * 30 + 2), named.height)).convert("L")
    assert margin.getextrema()[0] < 128  # the class names are drawn (dark text on white)
    res = CliRunner().invoke(main, ["grid", "cifar10", "-r", str(reg.root)])
    assert res.exit_code == 2 and "no generators for 'cifar10'" in res.stderr


def test_card_renders_front_matter_models_record_and_metrics(make_registry, tmp_path):
    reg = make_registry({"fashion-mnist": [0, 7]})
    block = {"features": "fmnistnet", "n": 100, "seed": 0, "missing_labels": [1, 2],
             "labels": {"0": {"fid_fmnistnet": 1.5, "recall_fmnistnet": 0.6},
                        "7": {"fid_fmnistnet": 2.5, "recall_fmnistnet": 0.7}},
             "overall": {"intra_fid_fmnistnet": 2.0, "recall_fmnistnet": 0.65},
             "reference": {"intra_fid_fmnistnet_real_train_vs_test": 0.4, "kid_fmnistnet_real_test": 4.89e-05},
             "weak": {"7": ["recall 0.10 vs median 0.60"]}}
    (reg.root / "fashion-mnist" / "metrics.json").write_text(json.dumps({"fmnistnet": block}))
    (reg.root / "fashion-mnist" / "record.json").write_text(json.dumps({"command": "zoo train fashion-mnist",
                                                                         "hardware": "2 CPU cores"}))
    reg.reindex()
    out = tmp_path / "CARD.md"
    section = tmp_path / "compare.md"
    section.write_text("## Measured elsewhere\n\n| method | intra_fid |\n| --- | --- |\n| per-label | 2.000 |\n")
    res = run("card", str(reg.root), "-o", str(out), "--grid-image", "docs/g.png", "--section", str(section))
    assert res.exit_code == 0
    text = out.read_text()
    assert text.startswith("---\nlibrary_name: wcgan-zoo\n") and "- wgan-gp" in text and "- intra_fid_fmnistnet" in text
    assert "| 7 | Sneaker | 0 | 0 | 7 |" in text  # label, class, steps, seconds, seed
    assert "| 0 | T-shirt/top | 1.500 | 0.600 |" in text and "`intra_fid_fmnistnet` = 2.000" in text
    assert "`kid_fmnistnet_real_test` = 4.9e-05" in text  # small values keep their digits
    assert "zoo train fashion-mnist\n```" in text and "- hardware: 2 CPU cores" in text
    assert "![one row per class, seed 0](docs/g.png)" in text and "Labels without a generator: [1, 2]" in text
    assert "not** with Inception-feature" in text
    assert "far below the others (`zoo train ... --labels L --retrain` replaces them): 7 (Sneaker: recall 0.10" in text
    assert text.index("## Measured elsewhere") < text.index("## Limitations") and "| per-label | 2.000 |" in text


def test_verify_of_an_empty_folder_says_how_to_make_a_registry_not_to_reindex(tmp_path):
    res = CliRunner().invoke(main, ["registry", "verify", str(tmp_path)])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "zoo train" in res.stderr
    assert "reindex" not in res.stderr
    res = CliRunner().invoke(main, ["registry", "reindex", str(tmp_path)])
    assert res.exit_code == 2 and "no index.json and no */label-NNNNN.safetensors" in res.stderr


def test_list_builds_no_spec_it_does_not_need(tmp_path):
    """`zoo list` counts ImageNet's classes by their WordNet ids: torchvision (about 1.5 s to import, for the
    class names) is never imported, so it starts as fast as `zoo sample`."""
    code = ("import sys; from click.testing import CliRunner; from zoo.cli import main; "
            "res = CliRunner().invoke(main, ['list']); "
            "print(res.exit_code, 'torchvision' in sys.modules, 'imagenet1k' in res.output and '1000' in res.output)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.stdout.split() == ["0", "False", "True"], out.stdout + out.stderr
