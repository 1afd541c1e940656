import numpy as np
import pytest

from openended.core.serialize import load_tree, replace_atomically, save_tree, write_text_atomic


def test_round_trip_nested_tree(tmp_path):
    rng = np.random.default_rng(3)
    tree = {
        "a": np.arange(6, dtype=np.int32).reshape(2, 3),
        "nested": {"x": [1, 2.5, "s", None, True], "t": (1, np.float32(2.0))},
        "rng": rng.bit_generator.state,  # holds 128-bit integers
        "empty": [],
    }
    out = load_tree(save_tree(tmp_path / "t.npz", tree))
    np.testing.assert_array_equal(out["a"], tree["a"])
    assert out["a"].dtype == np.int32
    assert out["nested"] == {"x": [1, 2.5, "s", None, True], "t": (1, 2.0)}
    restored = np.random.default_rng(0)
    restored.bit_generator.state = out["rng"]
    assert restored.integers(1 << 30) == rng.integers(1 << 30)


def test_refuses_object_arrays_and_unknown_types(tmp_path):
    with pytest.raises(TypeError):
        save_tree(tmp_path / "o.npz", {"o": np.array([object()], dtype=object)})
    with pytest.raises(TypeError):
        save_tree(tmp_path / "o.npz", {"f": lambda: 0})
    assert not list(tmp_path.iterdir()), "a failed save must not leave files behind"


def test_file_never_holds_pickles(tmp_path):
    path = save_tree(tmp_path / "t.npz", {"a": np.ones(3)})
    with np.load(path, allow_pickle=False) as data:  # would raise if anything needed pickle
        assert set(data.files) == {"a0", "__tree__"}


def test_a_write_that_crashes_half_way_leaves_the_old_file_and_no_temporary(tmp_path):
    path = write_text_atomic(tmp_path / "data.jsonl", "old\n")

    def half_then_crash(f):
        f.write(b"new, half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_atomically(path, half_then_crash)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["data.jsonl"]


def test_an_atomic_write_never_writes_through_a_link_planted_beside_the_target(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("untouched")
    target = tmp_path / "run" / "data.jsonl"
    target.parent.mkdir()
    for name in (".data.jsonl.tmp", "data.jsonl.tmp"):  # the fixed names a naive writer would use
        (target.parent / name).symlink_to(outside)
    write_text_atomic(target, "new\n")
    assert target.read_text() == "new\n" and not target.is_symlink()
    assert outside.read_text() == "untouched"


def test_an_owner_only_write_is_owner_only_from_its_first_byte(tmp_path):
    """``mode=0o600`` applies to the temporary file as it is created, so the data is never readable by others,
    not even before the rename."""
    import os
    import stat

    seen = []

    def write(f):
        seen.append(stat.S_IMODE(os.fstat(f.fileno()).st_mode))
        f.write(b"secret")

    path = replace_atomically(tmp_path / "stats.json", write, mode=0o600)
    assert seen == [0o600] and stat.S_IMODE(path.stat().st_mode) == 0o600
    umask = os.umask(0)
    os.umask(umask)
    plain = write_text_atomic(tmp_path / "plain.json", "x")  # the default: as open() would create it
    assert stat.S_IMODE(plain.stat().st_mode) == 0o666 & ~umask
