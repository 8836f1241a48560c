"""The executed notebooks as thesis appendices: an HTML page each, an index, and one PDF.

The committed notebooks are rendered as they are, never re-executed. nbconvert makes the HTML
(figures embedded, no execution prompts, no script fetched from the network: the notebooks need
neither MathJax nor require.js); each figure gets a number and a caption — "Figure C.2: <the
heading of its section>" — which is also its alt text. The PDF is one document, "Appendix A … F"
with a table of contents, page numbers and code in a smaller font, printed from one HTML page by
a headless Chromium (Debian's ``chromium``), so no TeX distribution is needed. Every file is
written atomically.
"""
from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess
from pathlib import Path

from . import paths, report
from .atomic import atomic_path

#: browsers that can print a page to PDF headless, in the order they are looked for
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: where ``make appendix`` writes (git-ignored)
OUT = paths.ROOT / "appendix"
_NO_ALT = 'alt="No description has been provided for this image"'
_EXTERNAL_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*', re.S)

PRINT_CSS = """
<style>
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
        @bottom-center { content: "SpecML appendices · page " counter(page) " of " counter(pages);
                         font: 8pt sans-serif; color: #555; } }
body { font-size: 10pt; }
.jp-InputArea .jp-Editor, .jp-InputArea pre, .jp-InputArea code { font-size: 7.5pt !important; line-height: 1.25; }
.jp-OutputArea pre { font-size: 8pt; }
.jp-InputArea pre, .jp-OutputArea pre { white-space: pre-wrap; overflow-wrap: anywhere; }  /* long lines wrap, not cut */
.jp-RenderedHTMLCommon table { font-size: 8pt; }
.specml-line { display: block; }  /* a code line; its wrapped part hangs under the code (see _hang_code) */
.specml-caption { font-size: 9pt; font-style: italic; color: #333; margin: 2px 0 10px 0; }
.specml-appendix { break-before: page; }
img { max-width: 100%; break-inside: avoid; }
@media print {  /* paper cannot scroll: a wide table is set smaller and tighter, never cut at the margin */
  .jp-OutputArea-output { overflow: visible !important; }
  .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: 0.2em 0.35em; }
  .jp-RenderedHTMLCommon table.specml-wide { font-size: 7pt; }
  .jp-RenderedHTMLCommon table.specml-widest { font-size: 6pt; }
}
</style>
"""


def browser() -> str | None:
    """The first headless-capable Chromium on PATH, or None."""
    return next((b for b in map(shutil.which, BROWSERS) if b), None)


def _plain(markdown: str) -> str:
    """A heading's text without Markdown marks."""
    return re.sub(r"[`*_]", "", markdown).strip()


def prepare(nb, letter: str):
    """A notebook made ready to read as appendix ``letter``: papermill's injected-parameters cell
    dropped, its title prefixed "Appendix A · ", and the caption of every figure, in order: the
    caption written under it (:func:`specml_utils.report.save_figure`), else its section's heading.

    Returns ``(notebook, title, captions)``."""
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    title, heading, captions = None, None, []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                m = re.match(r"(#+)\s+(.*)", line)
                if not m:
                    continue
                if title is None and m.group(1) == "#":
                    title = f"Appendix {letter} · {_plain(m.group(2))}"
                    cell.source = cell.source.replace(line, f"# {title}", 1)
                heading = _plain(m.group(2))
        elif cell.cell_type == "code":
            outputs, kept = cell.get("outputs", []), []
            for k, out in enumerate(outputs):
                if out.get("metadata", {}).get(report.CAPTION_KEY):
                    continue  # a caption: it goes under its figure, numbered (below)
                kept.append(out)
                if "image/png" in out.get("data", {}):
                    after = outputs[k + 1] if k + 1 < len(outputs) else {}
                    written = "".join(after.get("data", {}).get("text/plain", "")) \
                        if after.get("metadata", {}).get(report.CAPTION_KEY) else ""
                    captions.append(f"Figure {letter}.{len(captions) + 1}: {written or heading or title or ''}")
            cell["outputs"] = kept
    return nb, title or f"Appendix {letter}", captions


#: tables with at least this many columns are printed smaller (classes ``specml-wide``, ``specml-widest``)
WIDE_COLUMNS = (9, 13)
_TABLE = re.compile(r"<table\b([^>]*)>(.*?)</table>", re.S)


def _mark_wide(body: str) -> str:
    """Class the tables too wide for a printed page at the body size (paper cannot scroll sideways):
    ``specml-wide`` from :data:`WIDE_COLUMNS`' first count of columns (index included), ``specml-widest``
    from its second; their column names may break after an underscore."""
    def mark(m):
        attrs, inner = m.group(1), m.group(2)
        ncol = max((len(re.findall(r"<t[hd][\s>]", row)) for row in re.findall(r"<tr\b.*?</tr>", inner, re.S)),
                   default=0)
        cls = "specml-widest" if ncol >= WIDE_COLUMNS[1] else "specml-wide" if ncol >= WIDE_COLUMNS[0] else ""
        if not cls:
            return m.group(0)
        # a column's name may break after an underscore: names like P_QSO_BAL set the width of narrow columns
        inner = re.sub(r"(<th[^>]*>)([^<]*)(</th>)", lambda t: t.group(1) + t.group(2).replace("_", "_<wbr>")
                       + t.group(3), inner)
        attrs = (re.sub(r'class="', f'class="{cls} ', attrs, count=1) if 'class="' in attrs
                 else f'{attrs} class="{cls}"')
        return f"<table{attrs}>{inner}</table>"
    return _TABLE.sub(mark, body)


#: how much deeper than its own indentation a wrapped code line continues, in characters; indentation beyond
#: HANG_MAX (a line aligned under an open bracket) counts as HANG_MAX, so a long name still fits after it
HANG, HANG_MAX = 4, 16
_CODE = re.compile(r'(<div class="highlight[^"]*"><pre>)(.*?)(</pre>)', re.S)
_SPAN_TAG = re.compile(r"</?span\b[^>]*>")


def _hang_code(body: str) -> str:
    """Give every line of highlighted code a block of its own whose wrapped part continues :data:`HANG`
    characters deeper than the line's indentation (at most :data:`HANG_MAX`), as an editor shows it, not
    from the margin. A highlighting span that runs over several lines (a multi-line string) is closed at
    each line's end and opened again on the next, so every block holds whole tags; each keeps its
    newline, so copied code keeps its lines."""
    def lines(m):
        pieces = m.group(2).split("\n")
        if pieces and pieces[-1] == "":
            pieces.pop()
        out, stack = [], []
        for line in pieces:
            reopened = "".join(stack)
            for tag in _SPAN_TAG.findall(line):
                if tag.startswith("</"):
                    if stack:
                        stack.pop()
                else:
                    stack.append(tag)
            text = html_lib.unescape(re.sub(r"<[^>]+>", "", line))
            hang = min(len(text) - len(text.lstrip(" ")), HANG_MAX) + HANG
            out.append(f'<span class="specml-line" style="padding-left:{hang}ch;text-indent:-{hang}ch">'
                       f'{reopened}{line}{"</span>" * len(stack)}\n</span>')
        return m.group(1) + "".join(out) + m.group(3)
    return _CODE.sub(lines, body)


def _finish(body: str, captions: list) -> str:
    """Drop scripts fetched from the network, give every figure its caption (also as alt text),
    class the wide tables (:func:`_mark_wide`), hang wrapped code lines (:func:`_hang_code`), and add
    the print style."""
    body = _hang_code(_mark_wide(_EXTERNAL_SCRIPT.sub("", body)))
    parts = body.split(_NO_ALT)
    out = [parts[0]]
    for k, rest in enumerate(parts[1:]):
        cap = html_lib.escape(captions[k]) if k < len(captions) else "Figure"
        end = rest.find(">") + 1
        out.append(f'alt="{cap}"' + rest[:end] + f'<p class="specml-caption">{cap}</p>' + rest[end:])
    return "".join(out).replace("</head>", PRINT_CSS + "</head>", 1)


def _export(nb, name: str, captions: list) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(embed_images=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    return _finish(body, captions)


def _write(path: Path, text: str) -> Path:
    with atomic_path(path, path.suffix) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def to_pdf(html, exe: str, timeout: int = 300) -> Path:
    """Print ``html`` to a PDF beside it with the headless browser ``exe``."""
    html = Path(html)
    out = html.with_suffix(".pdf")
    with atomic_path(out, ".pdf") as tmp:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
               "--generate-pdf-document-outline", f"--print-to-pdf={tmp}", html.resolve().as_uri()]
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"{html.name}: {Path(exe).name} did not print a PDF within {timeout} s") from None
        if res.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            raise ChildProcessError(f"{html.name}: {Path(exe).name} did not print a PDF (exit {res.returncode}): "
                                    f"{res.stderr.strip()[-300:]}")
    return out


def render(names=None, out_dir=None, pdf: bool = True, notebooks_dir=None) -> dict:
    """The appendices of the executed notebooks ``names`` (default: all six) in ``out_dir``
    (default ``appendix/``): ``NN_name.html`` each, ``index.html``, and — with ``pdf`` — one
    ``appendix.html`` printed to ``appendix.pdf``. Returns the paths written, by kind."""
    import copy

    import nbformat

    from .notebooks import available

    nb_dir = Path(notebooks_dir or paths.NOTEBOOKS)
    out_dir = Path(out_dir or OUT)
    exe = browser() if pdf else None
    if pdf and exe is None:
        raise FileNotFoundError("no Chromium to print the PDF with (looked for " + ", ".join(BROWSERS) + "); "
                                "install one (Debian/Ubuntu: apt-get install chromium) or use --no-pdf for HTML only")
    names = list(names or available())
    if len(names) > 26:
        raise ValueError("at most 26 appendices (A–Z)")
    pages, combined, toc, all_captions = [], None, [], []
    for letter, name in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", names):
        nb, title, captions = prepare(nbformat.read(nb_dir / f"{name}.ipynb", as_version=4), letter)
        pages.append(_write(out_dir / f"{name}.html", _export(nb, name, captions)))
        toc.append(f"- [{title}](#appendix-{letter}) — `notebooks/{name}.ipynb`")
        part = copy.deepcopy(nb)
        part.cells.insert(0, nbformat.v4.new_markdown_cell(f'<div class="specml-appendix" id="appendix-{letter}"></div>'))
        if combined is None:
            combined = part
        else:
            combined.cells.extend(part.cells)
        all_captions += captions
    links = "\n".join(f'<li><a href="{p.name}">{p.stem}</a></li>' for p in pages)
    if exe:
        links += '\n<li><a href="appendix.pdf">appendix.pdf</a> (all of them, one document)</li>'
    index = _write(out_dir / "index.html", "<!DOCTYPE html><html><head><meta charset='utf-8'><title>SpecML appendices"
                   f"</title></head><body><h1>SpecML — thesis appendices</h1><ul>{links}</ul></body></html>\n")
    written = {"html": pages, "index": [index]}
    if exe:
        front = nbformat.v4.new_markdown_cell("# SpecML — thesis appendices\n\nThe executed notebooks of the compendium, "
                                              "as committed, outputs kept.\n\n## Contents\n\n" + "\n".join(toc))
        combined.cells.insert(0, front)
        whole = _write(out_dir / "appendix.html", _export(combined, "appendix", all_captions))
        written["pdf"] = [to_pdf(whole, exe)]
        whole.unlink()   # the PDF is what it was for; the pages above are the HTML to read
    return written
