import base64
import re

import numpy as np

from openended.core.archive import Binned, Categorical, GridArchive
from openended.core.report import Report, archive_heatmap, curves_figure, run_report
from openended.core.runs import Run
from tests.core.helpers import Cfg

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def embedded_pngs(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_report_escapes_text_and_embeds_figures(tmp_path):
    rows = [{"step": i, "loss": 1 / (i + 1)} for i in range(10)]
    report = Report("<b>title</b>").text("a < b & c").table([{"name": "<x>", "value": 1.5}])
    report.figure(curves_figure(rows, ["loss"]), "loss curve")
    html = report.write(tmp_path / "r.html").read_text()
    assert "&lt;b&gt;title&lt;/b&gt;" in html and "a &lt; b &amp; c" in html and "&lt;x&gt;" in html
    pngs = embedded_pngs(html)
    assert len(pngs) == 1 and pngs[0].startswith(PNG_MAGIC)


def test_archive_heatmap_labels_categorical_axes():
    ar = GridArchive(
        [Categorical("risk", ("violence", "fraud")), Categorical("style", ("role play", "misspell"))]
    )
    ar.add("p", ("fraud", "misspell"), 0.9)
    ax = archive_heatmap(ar).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["violence", "fraud"]
    assert ax.get_xlabel() == "risk" and ax.get_ylabel() == "style"
    image = ax.get_images()[0].get_array()
    assert image.mask.sum() == 3 and image[1, 1] == 0.9  # transposed: rows are y


def test_archive_heatmap_continuous_extent():
    ar = GridArchive([Binned("x", -1, 1, 4), Binned("y", 0, 2, 2)])
    ar.add_batch(np.zeros((1, 1)), np.array([[0.5, 1.5]]), np.array([1.0]))
    assert archive_heatmap(ar).axes[0].get_images()[0].get_extent() == [-1, 1, 0, 2]


def test_run_report_has_curves_config_and_artifacts(tmp_path):
    with Run.create("demo", Cfg(steps=4), root=tmp_path, name="r") as run:
        for i in range(4):
            run.log(i, reward=float(i))
        (run.artifact("map.png")).write_bytes(
            embedded_pngs(Report("x").figure(curves_figure([{"step": 0, "a": 1}], ["a"])).html())[0]
        )
    html = run_report(run.path, lambda rep, d: rep.section("Custom section")).html()
    assert "Custom section" in html and "steps" in html and "finished" in html
    assert len(embedded_pngs(html)) == 2  # curves + the artifact image
