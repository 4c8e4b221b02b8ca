"""The ``.. model-table::`` directive: the registered models, read from the registry.

So that the documentation's table of models cannot drift from the code, it is
generated from :mod:`emnist_estimators.models` at build time: one row per
model with its name, estimator, network and summary.
"""

from __future__ import annotations

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


def model_rows() -> list[tuple[str, str, str, str]]:
    """(name, estimator, network, summary) of every registered model."""
    from emnist_estimators.models import get_model, list_models

    rows = []
    for name in list_models():
        spec = get_model(name)
        rows.append(
            (
                f"``{name}``",
                f":class:`~emnist_estimators.{spec.estimator.__name__}`",
                f":class:`~emnist_estimators.modules.{spec.module.__name__}`",
                spec.summary,
            )
        )
    return rows


class ModelTable(SphinxDirective):
    """Render the registered models as a list-table."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        lines = [
            ".. list-table::",
            "   :header-rows: 1",
            "",
            "   * - name",
            "     - estimator",
            "     - network",
            "     - what it is",
        ]
        for row in model_rows():
            lines.append(f"   * - {row[0]}")
            lines += [f"     - {cell}" for cell in row[1:]]
        container = nodes.container()
        self.state.nested_parse(StringList(lines), self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("model-table", ModelTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
