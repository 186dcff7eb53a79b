import os
import pickle

import numpy as np
import pytest
from PIL import Image

from training.data import DEBIAN_FASHION_MNIST, DataSource, load_label
from training.data.idx import read_idx
from training.errors import DataNotFound, EmptyLabel


def test_fashion_mnist_reads_the_debian_idx_files_one_label_at_a_time():
    assert (DEBIAN_FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file(), "make test installs dataset-fashion-mnist"
    x = load_label("fashion-mnist", 7)
    assert x.shape == (6000, 1, 28, 28) and str(x.dtype) == "torch.uint8"
    assert 0 < x.float().mean() < 255


def test_mnist_in_torchvision_layout(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    imgs = np.arange(5 * 28 * 28, dtype=np.uint8).reshape(5, 28, 28)
    labs = np.array([1, 2, 1, 0, 1], dtype=np.uint8)
    (raw / "train-images-idx3-ubyte").write_bytes(b"\0\0\x08\x03" + np.array([5, 28, 28], ">u4").tobytes()
                                                  + imgs.tobytes())
    (raw / "train-labels-idx1-ubyte").write_bytes(b"\0\0\x08\x01" + np.array([5], ">u4").tobytes() + labs.tobytes())
    x = load_label("mnist", 1, data=tmp_path)
    assert x.shape == (3, 1, 28, 28) and (x[1, 0].numpy() == imgs[2]).all()
    (raw / "train-images-idx3-ubyte").write_bytes(b"\0\0\x08\x03" + np.array([5, 28, 28], ">u4").tobytes())
    with pytest.raises(DataNotFound, match="truncated"):
        read_idx(raw / "train-images-idx3-ubyte")


def test_an_idx_file_is_decoded_once_per_process_and_read_again_when_replaced(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(b"\0\0\x08\x01" + np.array([3], ">u4").tobytes() + bytes([1, 2, 3]))
    first = read_idx(path)
    assert read_idx(path) is first and not first.flags.writeable  # shared, so nobody may write into it
    path.write_bytes(b"\0\0\x08\x01" + np.array([3], ">u4").tobytes() + bytes([7, 8, 9]))
    os.utime(path, ns=(1, 1))  # the same size: the modification time tells the files apart
    assert read_idx(path).tolist() == [7, 8, 9]


def test_digits_come_from_scikit_learn_split_80_20():
    train, test = load_label("digits", 3), load_label("digits", 3, split="test")
    assert train.shape[1:] == (1, 8, 8) and int(train.max()) == 255
    assert len(train) + len(test) == 183 and len(test) > 20


def test_test_splits_and_bad_split_names():
    assert load_label("fashion-mnist", 7, split="test").shape == (1000, 1, 28, 28)
    with pytest.raises(DataNotFound, match="expected one of train, test"):
        load_label("fashion-mnist", 7, split="validation")


def _cifar10(root):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(1, 6):
        labels = [k % 10 for k in range(9 + i)]  # batch i: labels 0..i-2 twice, the rest once
        data = rng.integers(0, 256, (len(labels), 3072), dtype=np.uint8)
        with open(folder / f"data_batch_{i}", "wb") as f:  # the python-batches format: a protocol-2 pickle
            pickle.dump({"batch_label": f"batch {i}", "labels": labels, "data": data}, f, protocol=2)
    return folder


def test_cifar10_python_batches(tmp_path):
    _cifar10(tmp_path)
    assert load_label("cifar10", 3, data=tmp_path).shape == (6, 3, 32, 32)  # once per batch, twice in batch 5
    assert load_label("cifar10", 9, data=tmp_path).shape == (5, 3, 32, 32)


def test_cifar100_python_batches(tmp_path):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    data = np.full((6, 3072), 7, dtype=np.uint8)
    with open(folder / "train", "wb") as f:
        pickle.dump({b"fine_labels": [0, 99, 99, 5, 99, 1], b"coarse_labels": [0] * 6, b"data": data}, f, protocol=2)
    x = load_label("cifar100", 99, data=tmp_path)
    assert x.shape == (3, 3, 32, 32) and int(x.max()) == 7


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    folder = _cifar10(tmp_path)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with open(folder / "data_batch_1", "wb") as f:
        pickle.dump({"labels": [0], "data": Evil()}, f, protocol=2)
    with pytest.raises(DataNotFound, match=r"refusing to unpickle (__builtin__|builtins)\.print"):
        load_label("cifar10", 0, data=tmp_path)


def _tree(root, classes, sizes=((40, 30), (30, 30)), mode="RGB"):
    for c in classes:
        (root / c).mkdir(parents=True)
        for i, size in enumerate(sizes):
            Image.new(mode, size, color=(i * 80, 10, 200) if mode == "RGB" else i * 80).save(root / c / f"{i}.JPEG")
    return root


def _synsets(root, wnids, count=2):
    """One distinct flat colour per synset folder (red = 20 x position), ``count`` images of varied size each."""
    for k, wnid in enumerate(wnids):
        (root / wnid).mkdir(parents=True)
        for i in range(count):
            Image.new("RGB", (40 + 10 * i, 30), color=(20 * k, 200, 40)).save(root / wnid / f"{i}.png")
    return root


def test_imagenet_train_folder_reads_only_its_synset_and_resizes(tmp_path):
    root = _synsets(tmp_path / "train", ["n01440764", "n01443537", "n01484850"], count=2)
    (root / "n01443537" / "extra.png").write_bytes((root / "n01443537" / "0.png").read_bytes())
    (root / "n01443537" / "notes.txt").write_text("not an image")
    x = load_label("imagenet1k", 1, data=root, resolution=16)
    assert x.shape == (3, 3, 16, 16)  # its own three images, not its neighbours' two
    assert set(x[:, 0].flatten().tolist()) == {20}  # red 20: the second folder's colour only


def test_imagenet_synsets_map_to_their_standard_index_whatever_else_is_present(tmp_path):
    # tabby (281) and cardigan the sweater (474) alone: positions 0 and 1 among the folders present
    root = _synsets(tmp_path / "train", ["n02123045", "n02963159"], count=1)
    assert DataSource("imagenet1k", root).labels_present() == (281, 474)
    assert load_label("imagenet1k", 474, data=root, resolution=8)[0, 0, 0, 0] == 20
    assert load_label("imagenet1k", 281, data=root, resolution=8)[0, 0, 0, 0] == 0
    with pytest.raises(EmptyLabel, match=r"no folder n01440764 for label 'tench' \(0, n01440764\)"):
        load_label("imagenet1k", 0, data=root)


def test_an_imagenet_tree_with_folders_that_are_not_synsets_is_refused_with_them_listed(tmp_path):
    root = _synsets(tmp_path / "train", ["n02123045", "cats", "n99999999"], count=1)
    for call in (lambda: load_label("imagenet1k", 281, data=root), DataSource("imagenet1k", root).labels_present):
        with pytest.raises(DataNotFound, match=r"2 are not: 'cats', 'n99999999'"):
            call()


def test_class_per_folder_user_sets_and_grey_channels(tmp_path):
    root = _tree(tmp_path / "shapes", ["circle", "square"], mode="L")
    x = load_label("shapes", 1, data=root, resolution=8, channels=1)
    assert x.shape == (2, 1, 8, 8)


def test_missing_paths_empty_trees_and_empty_labels_are_clear_errors(tmp_path):
    with pytest.raises(DataNotFound, match="does not exist"):
        load_label("shapes", 0, data=tmp_path / "nope")
    with pytest.raises(DataNotFound, match="one sub-folder of images per class, found none"):
        load_label("shapes", 0, data=tmp_path)
    (tmp_path / "empty-class").mkdir()
    with pytest.raises(EmptyLabel, match="expected images to train on, found none"):
        load_label("shapes", 0, data=tmp_path)
    with pytest.raises(DataNotFound, match="needs --data PATH"):
        load_label("cifar10", 0)
    with pytest.raises(DataNotFound, match="cifar-10-batches-py"):
        load_label("cifar10", 0, data=tmp_path)


def test_zoo_train_on_a_subset_of_imagenet_trains_exactly_its_synsets_under_their_indices(tmp_path):
    from click.testing import CliRunner

    from registry import LocalRegistry
    from zoo.cli import main

    root = _synsets(tmp_path / "train", ["n02123045", "n02963159"], count=4)
    out = tmp_path / "reg"
    args = ["train", "imagenet1k", "--data", str(root), "--resolution", "8", "--out", str(out), "--budget", "1s",
            "--preset", "tiny", "--batch-size", "4", "--max-steps", "1", "--warm-start", "0", "--no-progress"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output + str(res.exception)
    reg = LocalRegistry(out)
    assert reg.labels("imagenet1k") == [281, 474]
    assert [reg.read_meta("imagenet1k", k).class_name for k in (281, 474)] == ["tabby", "cardigan"]
    refused = CliRunner().invoke(main, [*args, "--labels", "0,281"])
    assert refused.exit_code == 2 and "1 have no images: 'tench' (0, n01440764)" in refused.stderr


def test_a_decoded_class_folder_is_cached_reused_and_redone_when_the_folder_changes(tmp_path, caplog):
    import numpy as np

    from training.data.decoded import decoded_folder

    root = _synsets(tmp_path / "train", ["n02123045"], count=3)
    folder, cache = root / "n02123045", tmp_path / "cache"
    first = decoded_folder(folder, resolution=8, channels=3, cache=cache)
    (cached,) = cache.glob("n02123045-8px-3ch-*.npy")
    assert np.array_equal(np.load(cached), first) and first.shape == (3, 3, 8, 8)
    np.save(cached, np.full_like(first, 7))  # the cache, not the JPEGs, is what a second run reads
    assert (decoded_folder(folder, resolution=8, channels=3, cache=cache) == 7).all()
    assert decoded_folder(folder, resolution=16, channels=3, cache=cache).shape == (3, 3, 16, 16)
    assert len(list(cache.glob("n02123045-*.npy"))) == 2  # another resolution is another file
    Image.new("RGB", (30, 30), color=(9, 9, 9)).save(folder / "new.png")  # the folder changed: decoded again
    assert decoded_folder(folder, resolution=8, channels=3, cache=cache).shape[0] == 4
    for stale in cache.glob("n02123045-8px-3ch-*.npy"):
        stale.write_bytes(b"damaged")
    assert decoded_folder(folder, resolution=8, channels=3, cache=cache).shape[0] == 4
    assert "ignored a damaged decode cache" in caplog.text


def test_numbered_folders_out_of_order_are_warned_about_once(tmp_path, caplog):
    from PIL import Image

    for name in ("0", "1", "10", "2"):
        (tmp_path / name).mkdir()
        Image.new("L", (8, 8), 128).save(tmp_path / name / "a.png")
    src = DataSource("numbered", tmp_path, 8, 1)
    with caplog.at_level("WARNING"):
        for _ in range(5):  # what one `zoo train` does: names, labels present, shape, each label's images
            src.class_names()
            src.labels_present()
        load_label("numbered", 2, data=tmp_path, resolution=8, channels=1)
    warned = [r for r in caplog.records if "folders named by numbers" in r.getMessage()]
    assert len(warned) == 1 and "label 2 is folder '10'" in warned[0].getMessage()
