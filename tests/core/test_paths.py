"""Where openended keeps what it makes outside run directories."""

from openended.core.paths import cache_dir


def test_cache_dir_from_the_environment_or_under_home(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENENDED_CACHE", str(tmp_path / "elsewhere"))
    assert cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("OPENENDED_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "openended"
