"""The committed notebooks read as finished documents: no machine noise in them, valid metrics,
and they render to HTML (and to PDF where a Chromium is installed)."""
import json
import re

import pytest

from specml_utils import appendix, notebooks, paths

#: what must never be in a committed notebook's outputs
NOISE = {
    "TensorFlow/absl start-up lines": re.compile(r"absl::InitializeLog|oneDNN custom operations|port\.cc:\d+"),
    "TensorFlow Python warnings": re.compile(r"WARNING:tensorflow"),
    "a Path object's repr": re.compile(r"PosixPath\(|WindowsPath\("),
    "a machine's absolute path": re.compile(r"(?<![\w.])/(?:[\w.-]+/)+(?:data|figures|notebooks)/"),
    "a progress bar's text": re.compile(r"\d+%\|"),
}


def _outputs_text(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        if "text" in o:
            parts.append("".join(o["text"]))
        for mime, value in o.get("data", {}).items():
            if mime.startswith("text/"):
                parts.append("".join(value))
    return "\n".join(parts)


@pytest.mark.parametrize("name", notebooks.ORDER)
def test_committed_notebook_has_no_machine_noise(name):
    nb = json.loads((paths.NOTEBOOKS / f"{name}.ipynb").read_text())
    found = []
    for i, cell in enumerate(nb["cells"]):
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            found.append(f"cell {i}: papermill's injected parameters (they override the parameters cell in JupyterLab)")
        if cell["cell_type"] != "code":
            continue
        if any(line.lstrip().startswith("# NBVAL") for line in "".join(cell["source"]).splitlines()):
            found.append(f"cell {i}: an nbval marker comment in the code (use the cell tag)")
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                found.append(f"cell {i}: an error output")
            if o.get("name") == "stderr":
                found.append(f"cell {i}: stderr output: {''.join(o['text'])[:80]!r}")
        text = _outputs_text(cell)
        found += [f"cell {i}: {what}" for what, pattern in NOISE.items() if pattern.search(text)]
    assert not found, f"{name}: " + "; ".join(found)


@pytest.mark.parametrize("name", notebooks.ORDER)
def test_metrics_json_is_strict_json(name):
    path = paths.ROOT / "figures" / "metrics" / f"{name}.json"
    if not path.exists():
        pytest.skip("not written yet")

    def refuse(token):
        raise ValueError(f"{path.name}: {token} is not JSON")

    json.loads(path.read_text(), parse_constant=refuse)


def test_a_notebook_renders_to_html_and_pdf(tmp_path):
    html = appendix.to_html(paths.NOTEBOOKS / "02_crossmatch.ipynb", tmp_path)
    text = html.read_text()
    assert "<img" in text and "data:image/png;base64" in text          # figures embedded: one file to share
    assert "In&nbsp;[" not in text                                       # no execution prompts
    exe = appendix.browser()
    if exe is None:
        pytest.skip("no Chromium here: the PDF step is not exercised")
    pdf = appendix.to_pdf(html, exe)
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 50_000
