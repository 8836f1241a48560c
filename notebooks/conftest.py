"""nbval over the committed notebooks: which output comparisons can hold on this machine.

The committed notebooks were made from the default mock survey, whose physics is ``"mixed"``
where the BOSS pipeline's templates are found (``$SPECML_TEMPLATES``, ``data/templates`` or
``../shared/boss_templates``) and analytic elsewhere (:func:`specml_utils.mock.survey.resolve_physics`).
A checked cell tagged ``needs-boss-templates`` shows numbers that follow from that physics (the
spectra's S/N sets the mock inspectors' redshift confidence), so where the templates are absent
it still runs, but its output is not compared; the session ends by naming every such cell.
"""
from __future__ import annotations

from specml_utils.mock import templates

TAG = "needs-boss-templates"
#: node ids of the cells run without comparing their outputs, for the terminal summary
not_compared: list[str] = []


def pytest_collection_modifyitems(config, items):
    if templates.available():
        return
    for item in items:
        cell, options = getattr(item, "cell", None), getattr(item, "options", None)
        if cell is None or options is None or not options.get("check"):
            continue
        if TAG in cell.get("metadata", {}).get("tags", []):
            options["check"] = False
            not_compared.append(item.nodeid)


def pytest_terminal_summary(terminalreporter):
    if not_compared:
        terminalreporter.write_line(
            f"{len(not_compared)} notebook cell(s) ran without comparing outputs: they were made with the BOSS "
            f"templates, which are absent here (see notebooks/conftest.py): {', '.join(not_compared)}")
