import re

from skal.plotting import write_html_report


def _checks_self_contained(page):
    assert 'src="http' not in page and "src='http" not in page and 'src="file' not in page
    assert "<link" not in page and "<script" not in page
    assert not re.search(r'src="(?!data:image/png;base64,)', page)


def test_new_format_report_has_every_figure(new_results, tmp_path):
    path = write_html_report(new_results)
    assert path == tmp_path / "report.html"
    assert [p.name for p in tmp_path.iterdir() if p.suffix in (".html", ".png")] == ["report.html"]
    page = path.read_text()
    _checks_self_contained(page)
    # accuracy, macro-F1, cost; 3 per-strategy figures x 2 strategies; pick overlap; pool map
    assert page.count('<img src="data:image/png;base64,') == 3 + 3 * 2 + 1 + 1
    assert "mean ± std over 2 seeds" in page and "seed 0" in page
    assert "Stopping criteria per round" in page and "stabilizing_predictions" in page
    assert "takes 0.50 ± 0.00 s (2 seeds)" in page and "No run of this dataset started from random weights" in page
    assert "Skipped: absent is not on disk" in page


def test_old_format_report_says_what_is_missing(old_results, tmp_path):
    page = write_html_report(old_results, out=tmp_path / "r.html").read_text()
    _checks_self_contained(page)
    assert page.count('<img src="data:image/png;base64,') == 2
    for key in ("total_cost", "labeled_classes", "per_class_accuracy", "confidence", "queried", "stopping"):
        assert key in page
    assert page.count("re-run the suite") >= 4


def test_pool_map_note_without_suite_json(new_results):
    (new_results.parent / "suite.json").unlink()
    page = write_html_report(new_results).read_text()
    assert "Pool map: not drawn, no suite.json" in page


def test_pool_map_note_when_the_spec_does_not_match(new_results):
    (new_results.parent / "suite.json").write_text('{"datasets": [{"name": "other"}]}')
    page = write_html_report(new_results).read_text()
    assert "suite.json has no dataset spec named" in page


def test_no_cost_figure_when_every_label_cost_one(new_results):
    import json

    records = [json.loads(line) for line in new_results.read_text().splitlines()]
    for r in records:
        if r["kind"] == "round":
            r["total_cost"] = r["n_labeled"]
    new_results.write_text("".join(json.dumps(r) + "\n" for r in records))
    page = write_html_report(new_results).read_text()
    assert "every label cost 1" in page
    assert page.count('<img src="data:image/png;base64,') == 2 + 3 * 2 + 1 + 1
