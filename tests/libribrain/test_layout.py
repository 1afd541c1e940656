"""The released file layout: paths, writing a run and reading it back, and errors for malformed files."""

import math

import numpy as np
import pytest

from openended.libribrain.layout import (
    DataError,
    Event,
    available_runs,
    events_path,
    h5_path,
    meg_length,
    read_events,
    read_meg,
    sample_frequency,
    write_run,
)

KEY = ("0", "3", "Sherlock2", "1")


def test_paths_follow_the_released_layout(tmp_path):
    serialised = tmp_path / "Sherlock2" / "derivatives" / "serialised"
    assert h5_path(tmp_path, KEY) == (
        serialised / "sub-0_ses-3_task-Sherlock2_run-1_proc-bads+headpos+sss+notch+bp+ds_meg.h5"
    )
    assert (
        h5_path(tmp_path, KEY, preprocessing=None) == serialised / "sub-0_ses-3_task-Sherlock2_run-1_meg.h5"
    )
    assert events_path(tmp_path, KEY) == (
        tmp_path / "Sherlock2" / "derivatives" / "events" / "sub-0_ses-3_task-Sherlock2_run-1_events.tsv"
    )


def test_a_written_run_reads_back(tmp_path):
    data = np.arange(12, dtype=np.float64).reshape(3, 4)
    events = [
        {
            "kind": "word",
            "segment": "hello",
            "timemeg": 0.5,
            "duration": 0.25,
            "sentenceidx": 0,
            "wordidx": 0,
        },
        {"kind": "silence", "segment": "", "timemeg": 1.0, "duration": "n/a"},
    ]
    write_run(tmp_path, KEY, data, 100.0, events)
    meg, sfreq = read_meg(h5_path(tmp_path, KEY))
    assert meg.dtype == np.float32 and sfreq == 100.0
    np.testing.assert_array_equal(meg, data)
    assert meg_length(h5_path(tmp_path, KEY)) == 4 and sample_frequency(h5_path(tmp_path, KEY)) == 100.0
    first, second = read_events(events_path(tmp_path, KEY))
    assert first == Event("word", "hello", 0.5, 0.25)
    assert (second.kind, second.segment, second.onset) == ("silence", "", 1.0) and math.isnan(second.duration)
    assert available_runs(tmp_path, [KEY, ("0", "4", "Sherlock2", "1")]) == [KEY]


def test_malformed_files_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="events file not found"):
        read_events(tmp_path / "none.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("kind\tsegment\nword\thi\n")
    with pytest.raises(DataError, match=r"lacks column\(s\) \['duration', 'timemeg'\]"):
        read_events(bad)
    not_meg = tmp_path / "x.h5"
    not_meg.write_text("not HDF5")
    with pytest.raises(DataError, match="not a LibriBrain MEG file"):
        read_meg(not_meg)


def _tsv(tmp_path, rows):
    path = tmp_path / "events.tsv"
    path.write_text("kind\tsegment\ttimemeg\tduration\n" + "".join("\t".join(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("bad", ["1,25", "abc", "inf", ""])
def test_an_unreadable_onset_is_an_error_naming_file_line_and_column(tmp_path, bad):
    path = _tsv(
        tmp_path, [("word", "a", "0.5", "0.2"), ("word", "b", bad, "0.2"), ("word", "c", "1.5", "0.2")]
    )
    with pytest.raises(DataError) as err:
        read_events(path)
    assert str(path) in str(err.value) and "line 3" in str(err.value) and "'timemeg'" in str(err.value)


def test_bad_rows_are_skipped_only_when_asked_and_then_counted(tmp_path):
    path = _tsv(
        tmp_path, [("word", "a", "0.5", "0.2"), ("word", "b", "1,0", "0.2"), ("word", "c", "1.5", "x")]
    )
    skipped: list[str] = []
    events = read_events(path, bad_rows="skip", skipped=skipped)
    assert [e.segment for e in events] == ["a"]
    assert len(skipped) == 2 and "line 3" in skipped[0] and "'duration'" in skipped[1]


def test_a_missing_duration_is_allowed_and_nan(tmp_path):
    path = _tsv(tmp_path, [("silence", "", "0.5", "n/a"), ("word", "a", "1.0", "")])
    assert all(math.isnan(e.duration) for e in read_events(path))


def _h5(path, data, **kw):
    import h5py

    with h5py.File(path, "w") as f:
        f.attrs["sample_frequency"] = 250.0
        f.create_dataset("data", data=data, **kw)
    return path


LAYOUTS = {  # name: (h5py dataset options, read straight from the file's chunks?)
    "released": ({"chunks": (5, 50)}, True),  # all channels × 50 samples, uncompressed, as the organisers'
    "big-endian": ({"chunks": (5, 50), "dtype": ">f4"}, True),
    "float64": ({"chunks": (5, 64), "dtype": "<f8"}, True),
    "contiguous": ({}, False),
    "compressed": ({"chunks": (5, 50), "compression": "gzip"}, False),
    "channels split": ({"chunks": (2, 50)}, False),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_runs_read_straight_from_their_chunks_equal_h5pys_read(tmp_path, monkeypatch, layout):
    """Whole runs and their statistics, read a few chunks at a time at the offsets HDF5 records (blocks of
    3 chunks here, so block edges and a partial last chunk are crossed), equal h5py's reading of every
    layout; a layout that is not plain chunks of all channels is read by h5py."""
    import h5py

    from openended.libribrain import layout as L
    from openended.libribrain.standardize import ChannelStats

    options, direct = LAYOUTS[layout]
    data = np.random.default_rng(1).normal(3.0, 2.0, (5, 1234))
    path = _h5(tmp_path / "run.h5", data, **options)
    with h5py.File(path, "r") as f:
        expected = f["data"][...].astype(np.float32)
        assert (L._chunk_table(f, f["data"], path) is not None) == direct
    monkeypatch.setattr(L, "BLOCK_BYTES", 3 * 5 * 64 * 8)
    got, sfreq = read_meg(path)
    assert sfreq == 250.0 and got.dtype == np.float32 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, expected)
    stats, exact = L.meg_stats(path), ChannelStats.of(expected.astype(np.float64))
    assert stats.n_samples == 1234
    np.testing.assert_allclose(stats.means, exact.means, rtol=1e-6)
    np.testing.assert_allclose(stats.stds, exact.stds, rtol=1e-6)


def test_chunks_stored_out_of_time_order_or_missing_are_read_right(tmp_path):
    """Chunks written last-first lie in the file in reverse order: they are put back in time order. A run
    whose last chunks were never written (HDF5's fill value) is left to h5py."""
    import h5py

    data = np.random.default_rng(2).normal(size=(4, 500)).astype(np.float32)
    path = tmp_path / "reversed.h5"
    with h5py.File(path, "w") as f:
        f.attrs["sample_frequency"] = 250.0
        d = f.create_dataset("data", shape=data.shape, dtype="f4", chunks=(4, 50))
        for a in range(450, -1, -50):
            d[:, a : a + 50] = data[:, a : a + 50]
    np.testing.assert_array_equal(read_meg(path)[0], data)
    partial = tmp_path / "partial.h5"
    with h5py.File(partial, "w") as f:
        f.attrs["sample_frequency"] = 250.0
        f.create_dataset("data", shape=data.shape, dtype="f4", chunks=(4, 50))[:, :200] = data[:, :200]
    got = read_meg(partial)[0]
    np.testing.assert_array_equal(got[:, :200], data[:, :200])
    assert (got[:, 200:] == 0).all()


def test_a_truncated_run_is_a_data_error(tmp_path):
    data = np.random.default_rng(3).normal(size=(4, 5000)).astype(np.float32)
    path = _h5(tmp_path / "run.h5", data, chunks=(4, 50))
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    from openended.libribrain.layout import meg_stats

    with pytest.raises(DataError, match=str(path.name)):
        read_meg(path)
    with pytest.raises(DataError, match=str(path.name)):
        meg_stats(path)


def _custom_float(path, data, setup):
    """``data`` stored with a float type h5py maps onto float32 but whose bits are not IEEE single's."""
    import h5py

    t = h5py.h5t.IEEE_F32LE.copy()
    setup(t)
    with h5py.File(path, "w") as f:
        f.attrs["sample_frequency"] = 250.0
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((data.shape[0], 50))
        dset = h5py.Dataset(h5py.h5d.create(f.id, b"data", t, h5py.h5s.create_simple(data.shape), dcpl=dcpl))
        dset[...] = data
    return path


def test_runs_the_direct_read_must_not_take_are_read_by_h5py(tmp_path):
    """Data behind an external link (its chunk addresses are in another file), float layouts h5py converts
    (other exponent widths, unnormalized mantissas, long double), a file with a userblock: each read as h5py
    reads it."""
    import h5py

    from openended.libribrain.layout import meg_stats

    data = np.random.default_rng(4).normal(size=(6, 1037)).astype(np.float32)
    cases = []
    inner = _h5(tmp_path / "inner.h5", data, chunks=(6, 50))
    with h5py.File(tmp_path / "outer.h5", "w") as f:
        f.attrs["sample_frequency"] = 250.0
        f["data"] = h5py.ExternalLink(str(inner), "/data")
        f.create_dataset("pad", data=np.full(200_000, 3.0, np.float32))  # offsets here point into padding
    cases.append(tmp_path / "outer.h5")
    cases.append(
        _custom_float(tmp_path / "e7.h5", data, lambda t: (t.set_fields(30, 23, 7, 0, 23), t.set_ebias(63)))
    )
    cases.append(_custom_float(tmp_path / "unnormalized.h5", data, lambda t: t.set_norm(h5py.h5t.NORM_NONE)))
    cases.append(_h5(tmp_path / "long.h5", data.astype(np.longdouble), chunks=(6, 50)))
    with h5py.File(tmp_path / "userblock.h5", "w", userblock_size=512) as f:
        f.attrs["sample_frequency"] = 250.0
        f.create_dataset("data", data=data, chunks=(6, 50))
    cases.append(tmp_path / "userblock.h5")
    for path in cases:
        with h5py.File(path, "r") as f:
            expected = f["data"][...].astype(np.float32)
        np.testing.assert_array_equal(read_meg(path)[0], expected, err_msg=path.name)
        np.testing.assert_allclose(meg_stats(path).means, expected.astype(np.float64).mean(1), rtol=1e-5)


def test_a_crafted_chunk_index_or_malformed_run_is_a_data_error(tmp_path):
    """A chunk recorded past the end of the data (its size patched smaller in the file), ``data`` that is a
    group, a sample frequency that is not a number, a run with no samples: one ``DataError`` each."""
    import struct

    import h5py

    from openended.libribrain.layout import meg_info, meg_stats

    data = np.random.default_rng(5).normal(size=(8, 200)).astype(np.float32)
    path = tmp_path / "crafted.h5"
    with h5py.File(path, "w", libver="earliest") as f:
        d = f.create_dataset("data", shape=(8, 200), dtype="f4", chunks=(8, 50), maxshape=(8, None))
        d[:, :100], d[:, 150:] = data[:, :100], data[:, 150:]
        f.attrs["sample_frequency"] = 250.0
    raw = bytearray(path.read_bytes())
    at = raw.find(struct.pack("<QQ", 8, 200) + struct.pack("<QQ", 8, 2**64 - 1))
    assert at > 0
    raw[at : at + 16] = struct.pack("<QQ", 8, 150)  # three chunks recorded, one of them past sample 150
    path.write_bytes(bytes(raw))
    with h5py.File(path, "r") as f:
        expected = f["data"][...]
    np.testing.assert_array_equal(read_meg(path)[0], expected)  # read by h5py, as it reads it
    meg_stats(path)

    group = tmp_path / "group.h5"
    with h5py.File(group, "w") as f:
        f.attrs["sample_frequency"] = 250.0
        f.create_group("data")
    text = _h5(tmp_path / "text.h5", data, chunks=(8, 50))
    with h5py.File(text, "a") as f:
        f.attrs["sample_frequency"] = "fast"
    empty = _h5(tmp_path / "empty.h5", np.zeros((8, 0), np.float32))
    for bad, call in (
        (group, read_meg),
        (group, meg_info),
        (text, read_meg),
        (text, meg_info),
        (empty, meg_stats),
    ):
        with pytest.raises(DataError, match=bad.name):
            call(bad)


def test_an_events_column_given_twice_is_an_error(tmp_path):
    path = tmp_path / "events.tsv"
    path.write_text("kind\tsegment\ttimemeg\tduration\ttimemeg\nword\ta\t1.0\t0.2\t9.0\n")
    with pytest.raises(DataError, match=r"\['timemeg'\] more than once"):
        read_events(path)
