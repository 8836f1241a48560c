"""nbval over the committed notebooks away from the BOSS templates: a checked cell tagged
``needs-boss-templates`` runs without its output compared; every other checked cell is compared."""
import shutil

import nbformat
import pytest

from specml_utils import paths
from specml_utils.mock import templates

pytest_plugins = "pytester"
pytestmark = pytest.mark.slow  # starts a kernel


def _notebook(path):
    """Two checked cells whose stored outputs are wrong; only the first is tagged."""
    nb = nbformat.v4.new_notebook()
    for k, (source, tags) in enumerate((("print(1 + 1)", ["nbval-check-output", "needs-boss-templates"]),
                                        ("print(2 + 2)", ["nbval-check-output"])), 1):
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": tags}, execution_count=k)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="not what it prints\n")]
        nb.cells.append(cell)
    nbformat.write(nb, path)


@pytest.mark.parametrize("have_templates", [False, True])
def test_tagged_cells_are_compared_only_with_the_templates(pytester, monkeypatch, have_templates):
    shutil.copy(paths.NOTEBOOKS / "conftest.py", pytester.path / "conftest.py")
    _notebook(pytester.path / "nb.ipynb")
    monkeypatch.setattr(templates, "available", lambda: have_templates)
    result = pytester.runpytest("--nbval-lax", "-p", "no:cacheprovider", "nb.ipynb")
    if have_templates:
        result.assert_outcomes(failed=2)
    else:
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(["1 notebook cell(s) ran without comparing outputs*nb.ipynb::Cell 0*"])
