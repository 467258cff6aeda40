"""``.. benchmark:: NAME``: a benchmark's figure, table, machine and command.

Each benchmark's measured numbers live in ``doc/benchmarks/NAME.json``::

    {
      "title": "...", "script": "benchmarks/bench_x.py", "command": "python ...",
      "machine": "...", "date": "YYYY-MM-DD", "unit": "ms", "lower_is_better": true,
      "note": "...",                                    (optional)
      "cases": {"case label": {"runner": value, ...}, ...}
    }

The directive draws a grouped bar chart (one group per case, one bar per
runner) into ``doc/benchmarks/_figures/NAME.png`` when the JSON is newer than
the figure, and emits the figure, a table of the numbers (with the ratio of
each runner to the first one) and the machine and command they came from.
Numbers are measured by running the benchmark scripts, never at build time.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList


def _draw(data: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    cases = list(data["cases"])
    runners = list(dict.fromkeys(r for case in cases for r in data["cases"][case]))
    width = 0.8 / max(len(runners), 1)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(cases) + 2.5) + 2.0, 3.4))
    for k, runner in enumerate(runners):
        values = [data["cases"][c].get(runner, np.nan) for c in cases]
        x = np.arange(len(cases)) + (k - (len(runners) - 1) / 2) * width
        bars = ax.bar(x, values, width, label=runner)
        ax.bar_label(bars, fmt="%.3g", fontsize=7)
    ax.set_xticks(np.arange(len(cases)), cases, fontsize=8)
    better = "lower" if data.get("lower_is_better", True) else "higher"
    ax.set_ylabel(f"{data['unit']} ({better} is better)")
    if data.get("log", False):
        ax.set_yscale("log")
    ax.set_title(data["title"], fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)
    plt.close(fig)


def _table(data: dict) -> list[str]:
    cases = list(data["cases"])
    runners = list(dict.fromkeys(r for case in cases for r in data["cases"][case]))
    reference = runners[0]
    header = ["case", *runners]
    rows = []
    for case in cases:
        row = [case]
        ref = data["cases"][case].get(reference)
        for runner in runners:
            value = data["cases"][case].get(runner)
            if value is None:
                row.append("--")
            elif runner == reference or not ref:
                row.append(f"{value:.4g}")
            else:
                row.append(f"{value:.4g} ({value / ref:.2g}x)")
        rows.append(row)
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines.extend(f"     - {cell}" for cell in row[1:])
    lines.append("")
    return lines


class BenchmarkDirective(Directive):
    required_arguments = 1
    has_content = False

    def run(self):
        env = self.state.document.settings.env
        name = self.arguments[0]
        src = Path(env.srcdir) / "benchmarks" / f"{name}.json"
        env.note_dependency(str(src))
        if not src.exists():
            error = self.state_machine.reporter.error(
                f"benchmark {name!r}: {src} not found", line=self.lineno
            )
            return [error]
        data = json.loads(src.read_text())
        png = Path(env.srcdir) / "benchmarks" / "_figures" / f"{name}.png"
        if not png.exists() or png.stat().st_mtime < src.stat().st_mtime:
            _draw(data, png)
        unit = data["unit"]
        reference = next(iter(next(iter(data["cases"].values()))))
        lines = [
            f".. figure:: /benchmarks/_figures/{name}.png",
            f"   :alt: {data['title']}",
            "",
            f"   {data['title']} ({unit}).",
            "",
        ]
        lines += _table(data)
        lines += [
            f"Values in {unit}; in brackets, the ratio to ``{reference}``.",
            "",
            f"*Machine*: {data['machine']}. *Date*: {data['date']}.",
            "",
            "*Command*:",
            "",
            ".. code-block:: bash",
            "",
            f"   {data['command']}",
            "",
        ]
        if data.get("note"):
            lines += [data["note"], ""]
        container = nodes.container(classes=["skscat-benchmark"])
        self.state.nested_parse(StringList(lines, source=str(src)), self.content_offset, container)
        return [container]


def setup(app):
    app.add_directive("benchmark", BenchmarkDirective)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
