"""Writing a report folder: ``report.md``, figures, ``metrics.json``, tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._atomic import remove_stale_temporaries, write_json, write_text
from ..evaluation import EvaluationReport, comparison_table, save_table, to_markdown


class ReportWriter:
    """Build a report folder piece by piece.

    Parameters
    ----------
    folder : str or path-like
        The report folder (created; existing files of the same names are
        replaced).
    title : str
        Heading of ``report.md``.
    command : str, optional
        The command line that made the report, shown in ``report.md``.
    details : dict, optional
        Key facts shown at the top (data set, sizes, ...), also stored in
        ``metrics.json``.

    Attributes
    ----------
    folder : pathlib.Path
        The folder.
    reports : dict
        Model name -> :class:`~emnist_estimators.evaluation.EvaluationReport`.
    """

    def __init__(
        self,
        folder: str | Path,
        title: str,
        command: str | None = None,
        details: dict | None = None,
    ) -> None:
        self.folder = Path(folder)
        (self.folder / "figures").mkdir(parents=True, exist_ok=True)
        for folder in (self.folder, self.folder / "figures"):
            remove_stale_temporaries(folder)  # what killed runs left
        self.title = title
        self.command = command
        self.details = dict(details or {})
        self.reports: dict[str, EvaluationReport] = {}
        self.sections: list[tuple[str, str]] = []
        self.figures: list[tuple[str, str]] = []
        self.extra: dict[str, Any] = {}

    def add_figure(self, fig, name: str, caption: str) -> Path:
        """Save a matplotlib figure as ``figures/<name>.png`` and list it.

        Parameters
        ----------
        fig : matplotlib.figure.Figure
            The figure (closed afterwards).
        name : str
            File stem.
        caption : str
            Caption in ``report.md``.

        Returns
        -------
        pathlib.Path
            The PNG path.
        """
        import matplotlib.pyplot as plt

        from ..plotting import save_figure

        path = self.folder / "figures" / f"{name}.png"
        save_figure(fig, path)
        plt.close(fig)
        relative = path.relative_to(self.folder).as_posix()
        self.figures = [(c, p) for c, p in self.figures if p != relative]
        self.figures.append((caption, relative))
        self.save()
        return path

    def add_section(self, heading: str, markdown: str) -> None:
        """Add (or replace) a section of Markdown text.

        Parameters
        ----------
        heading : str
            Section heading.
        markdown : str
            Its content.
        """
        self.sections = [(h, m) for h, m in self.sections if h != heading]
        self.sections.append((heading, markdown))
        self.save()

    def add_model_report(self, name: str, report: EvaluationReport) -> None:
        """Record a model's evaluation and refresh the comparison tables.

        Parameters
        ----------
        name : str
            Model name.
        report : EvaluationReport
            Its test-set evaluation.
        """
        self.reports[name] = report
        table = comparison_table(self.reports)
        save_table(table, self.folder / "comparison.md")
        save_table(table, self.folder / "comparison.csv")
        self.save()

    def render(self) -> str:
        """The Markdown text of ``report.md``.

        Returns
        -------
        str
            The report.
        """
        lines = [f"# {self.title}", ""]
        if self.command:
            lines += ["Made with:", "", "```", self.command, "```", ""]
        for key, value in self.details.items():
            lines.append(f"- **{key}**: {value}")
        if self.details:
            lines.append("")
        if self.reports:
            lines += [
                "## Results on the test set",
                "",
                to_markdown(comparison_table(self.reports, as_frame=False)),
            ]
            for name, report in self.reports.items():
                if report.most_confused:
                    pairs = ", ".join(
                        f"{p['true']}→{p['predicted']} ({p['count']})"
                        for p in report.most_confused[:8]
                    )
                    lines.append(f"- {name}, most confused (true→predicted): {pairs}")
            lines.append("")
        for heading, markdown in self.sections:
            lines += [f"## {heading}", "", markdown.rstrip(), ""]
        if self.figures:
            lines += ["## Figures", ""]
            for caption, path in self.figures:
                lines += [f"### {caption}", "", f"![{caption}]({path})", ""]
        return "\n".join(lines)

    def save(self) -> None:
        """Write ``report.md`` and ``metrics.json`` with what is there so far."""
        write_text(self.folder / "report.md", self.render())
        write_json(
            self.folder / "metrics.json",
            {
                "title": self.title,
                "command": self.command,
                "details": self.details,
                "models": {n: r.to_dict() for n, r in self.reports.items()},
                **self.extra,
            },
        )
