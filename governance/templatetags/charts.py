"""Threshold charts on the pages: `{% load charts %}{% threshold_chart trajectory %}` renders a
trajectory dict (evals/trajectory.py) as its chart, the forecast in words and a table of the
chart's evaluations (templates/includes/threshold_chart.html); `{{ trajectory|chart_heading }}`
is the heading to give it ("Claude-Next — ARA")."""

from django import template

from governance import charts

register = template.Library()


@register.inclusion_tag("includes/threshold_chart.html")
def threshold_chart(trajectory) -> dict:
    return charts.chart_context(trajectory)


@register.simple_tag
def threshold_chart_svg(trajectory):
    """The SVG alone: `{% threshold_chart_svg trajectory %}`."""
    return charts.chart_svg(trajectory)


@register.filter
def chart_heading(trajectory) -> str:
    return charts.chart_heading(trajectory)


@register.filter
def threshold_words(trajectory) -> str:
    return charts.threshold_words(trajectory)
