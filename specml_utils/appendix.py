"""The executed notebooks as thesis appendices: one HTML page and one PDF each.

HTML comes from nbconvert (figures embedded, no execution prompts); the PDF is that page printed
by a headless Chromium (`chromium --print-to-pdf`), so the PDF looks like the page and needs no
LaTeX. Both are written atomically; without Chromium the HTML is still made and the PDF step says
what to install.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from . import paths
from .atomic import atomic_path

#: browsers that can print a page to PDF headless, in the order they are looked for
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def browser() -> str | None:
    """The first headless-capable Chromium on PATH, or None."""
    return next((b for b in map(shutil.which, BROWSERS) if b), None)


def to_html(notebook, out_dir) -> Path:
    """Render one executed notebook to ``out_dir/NAME.html`` (images embedded, prompts left out)."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = Path(notebook)
    nb = nbformat.read(notebook, as_version=4)
    exporter = HTMLExporter(embed_images=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    out = Path(out_dir) / f"{notebook.stem}.html"
    with atomic_path(out, ".html") as tmp:
        tmp.write_text(body, encoding="utf-8")
    return out


def to_pdf(html, exe: str, timeout: int = 180) -> Path:
    """Print ``html`` to a PDF beside it with the headless browser ``exe``."""
    html = Path(html)
    out = html.with_suffix(".pdf")
    with atomic_path(out, ".pdf") as tmp:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
               f"--print-to-pdf={tmp}", html.resolve().as_uri()]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"{html.name}: {Path(exe).name} did not print a PDF within {timeout} s") from None
        if res.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            raise ChildProcessError(f"{html.name}: {Path(exe).name} did not print a PDF (exit {res.returncode}): "
                               f"{res.stderr.strip()[-300:]}")
    return out


def render(names=None, out_dir=None, pdf: bool = True) -> dict:
    """HTML (and PDF) of the executed notebooks ``names`` (default: all six) into ``out_dir``
    (default ``figures/appendix``). Returns ``{name: [paths written]}``."""
    from .notebooks import available

    out_dir = Path(out_dir or paths.FIGURES / "appendix")
    exe = browser() if pdf else None
    if pdf and exe is None:
        raise FileNotFoundError("no Chromium to print PDFs with (looked for " + ", ".join(BROWSERS) + "); install one "
                                "(Debian/Ubuntu: apt-get install chromium) or run with --no-pdf for HTML only")
    written = {}
    for name in names or available():
        html = to_html(paths.NOTEBOOKS / f"{name}.ipynb", out_dir)
        written[name] = [html] + ([to_pdf(html, exe)] if exe else [])
    return written
