"""The dashboard's charts, drawn on the server by pygal from a table of figures, as a standalone SVG image.

No script: pygal's JavaScript (tooltips, interactivity) is turned off and any <script> element removed; the SVG
keeps its own <style> element, which is why it is served as an image (``<img src>``) and never inlined into the
page, whose Content-Security-Policy allows no inline style."""

from __future__ import annotations

import pygal
from pygal.etree import etree
from pygal.style import Style

from ..services.dashboard import Table

STYLE = Style(background="white", plot_background="white", font_family="system-ui, sans-serif",
              colors=("#1f5fa8", "#d9822b", "#2e8540", "#8c2d8c", "#b02e2e", "#5a6470", "#c7a600", "#117a8b",
                      "#6f42c1", "#6c757d", "#20c997", "#e83e8c"))


def _no_script(tree):
    for parent in list(tree.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return tree


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def render(table: Table) -> bytes:
    options = dict(style=STYLE, js=[], disable_xml_declaration=False, width=800, height=400, title=str(table.title),
                   show_legend=len(table.series) > 1 or table.chart == "pie", legend_at_bottom=True,
                   print_values=False, explicit_size=True)
    labels = [str(row[0]) if table.name != "naf_sections" else f"{row[0]} — {row[1]}" for row in table.rows]
    if table.chart == "pie":
        chart = pygal.Pie(**options, inner_radius=0.4)
        column = table.series[0]
        for label, row in zip(labels, table.rows):
            if _number(row[column]):
                chart.add(label, _number(row[column]))
    else:
        kind = {"line": pygal.Line, "hbar": pygal.HorizontalBar}.get(table.chart or "bar", pygal.Bar)
        chart = kind(**options, x_label_rotation=(30 if table.chart in ("bar", "line") and len(labels) > 12 else 0),
                     show_minor_x_labels=len(labels) <= 24)
        if table.name == "quantities":
            labels = [f"{row[0]} ({row[1]})" for row in table.rows]
        chart.x_labels = labels
        if len(labels) > 24:
            chart.x_labels_major_every = max(len(labels) // 12, 1)
        for column in table.series:
            chart.add(str(table.columns[column]), [_number(row[column]) for row in table.rows])
    svg = etree.tostring(_no_script(chart.render_tree()), encoding="utf-8")
    if svg.startswith(b"<?xml"):
        svg = svg.split(b"?>", 1)[1].lstrip()
    return b"<?xml version='1.0' encoding='utf-8'?>\n" + svg
