"""The RSO's quarterly report as tables, for the printable page and the PDF alike, so both
always show the same record; and the PDF itself, drawn with ReportLab (pure Python, so it
works air-gapped with nothing but pip).

The PDF is read on paper and forwarded: every page says which report it is, "Page N of M", and
until the report is issued a DRAFT mark across it. Table columns are as wide as their longest
header word at least, so headers wrap between words, never inside one ("Determinatio n"); and
a heading starts a new page unless the start of what it heads fits below it."""

import functools
import io
import logging
import os
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from governance.board.models import QuarterlyReport
from governance.charts import chart_drawing, chart_heading, threshold_words

TRAJECTORIES_TITLE = "Where models stand against the thresholds"

logger = logging.getLogger(__name__)


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]
    empty: str = "None."
    notes: list[str] = field(default_factory=list)


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _counts(counts: dict, labels: dict[str, str]) -> str:
    return ", ".join(f"{label}: {counts.get(key, 0)}" for key, label in labels.items())


def report_sections(contents: dict) -> list[Section]:
    """The generated part of the report, section by section."""
    if not contents:
        return []
    summary = contents["summary"]
    escalations = contents["escalations"]
    noncompliance = contents["noncompliance"]
    policy = contents["policy_changes"]
    summary_labels = {
        "determinations_decided": "Determinations decided",
        "escalations_opened": "Escalations opened",
        "overdue_items": "Overdue items",
        "restrictions_active": "Restrictions active",
        "safeguards_lapsed": "Safeguards reports lapsed",
        "noncompliance_filed": "Noncompliance reports filed",
        "noncompliance_material": "Material noncompliance",
        "policy_changes": "Policy changes under way or decided",
    }
    return [
        Section(
            "Summary",
            ["", ""],
            [["Framework in force", _text(contents["framework_in_force"])]]
            + [[label, _text(summary.get(key, 0))] for key, label in summary_labels.items()],
        ),
        Section(
            "ASL determinations",
            ["Determination", "Model", "State", "Level", "Flags", "Decided", "Acknowledged"],
            [
                [
                    item["title"],
                    item["model"],
                    item["state"],
                    _text(item["required_level"]),
                    ", ".join(
                        flag
                        for flag, on in (
                            ("precautionary", item["precautionary"]),
                            ("provisional", item["provisional"]),
                        )
                        if on
                    )
                    or "—",
                    _text(item["decided_at"]),
                    item["acknowledged"],
                ]
                for item in contents["determinations"]
            ],
            empty="No determination was decided or under way.",
        ),
        Section(
            "Escalations and their handling",
            [
                "Escalation",
                "Severity",
                "State",
                "Level",
                "Opened",
                "Acknowledged after",
                "Due",
                "Closed",
                "Resolution",
            ],
            [
                [
                    item["title"] + (" (OVERDUE)" if item["overdue"] else ""),
                    item["severity"],
                    item["state"],
                    item["level"],
                    _text(item["opened_at"]),
                    "—"
                    if item["hours_to_acknowledge"] is None
                    else f"{item['hours_to_acknowledge']} h",
                    _text(item["due_at"]),
                    _text(item["closed_at"]),
                    _text(item["resolution"]),
                ]
                for item in escalations["items"]
            ],
            empty="No escalation was open in the quarter.",
            notes=[
                _counts(
                    escalations["counts"],
                    {
                        "opened": "Opened in the quarter",
                        "closed": "closed in it",
                        "open_at_end": "open at its end",
                        "overdue": "overdue then",
                    },
                )
            ],
        ),
        Section(
            "Overdue items",
            ["What", "Item", "Was due"],
            [[item["what"], item["title"], _text(item["due"])] for item in contents["overdue"]],
            empty="Nothing was overdue.",
            notes=[f"As at {contents.get('as_of') or contents['generated_at']}."],
        ),
        Section(
            "Restrictions",
            ["Model", "Restriction", "State", "Reason", "Activated", "Lifted", "Interim measures"],
            [
                [
                    item["model"],
                    item["kind"],
                    item["state"],
                    item["reason"],
                    _text(item["activated_at"]),
                    _text(item["lifted_at"]),
                    # Reports issued before interim measures existed have no such key.
                    _text(item.get("interim_measures")),
                ]
                for item in contents["restrictions"]
            ],
            empty="No restriction was proposed, active or lifted.",
        ),
        Section(
            "Safeguards",
            ["Model", "Standard", "Status", "Approved", "Valid until", "Renewal under way"],
            [
                [
                    item["model"],
                    item["standard"],
                    item["status"],
                    _text(item["approved_at"]),
                    _text(item["valid_until"]),
                    _text(item["renewal_in_progress"]),
                ]
                for item in contents["safeguards"]
            ],
            empty="No safeguards report exists.",
        ),
        Section(
            "Noncompliance reports",
            ["Report", "State", "Filed", "Concluded", "Material", "Corrective action"],
            [
                [
                    f"#{item['id']} {item['summary']}",
                    item["state"],
                    _text(item["filed_on"]),
                    _text(item["concluded_on"]),
                    _text(item["material"]),
                    _text(item["corrective_action"]),
                ]
                for item in noncompliance["items"]
            ],
            empty="No report was filed, open or concluded.",
            notes=[
                _counts(
                    noncompliance["counts"],
                    {
                        "filed": "Filed in the quarter",
                        "anonymous": "of them anonymously",
                        "substantiated": "substantiated",
                        "unsubstantiated": "not substantiated",
                        "material": "material",
                        "open_at_end": "open at its end",
                    },
                ),
                "Reports that concern the RSO are handled by the board and are not in this report.",
            ],
        ),
        Section(
            "Policy changes",
            [
                "Change",
                "Version",
                "State",
                "Proposed",
                "Consultation closed",
                "Board decided",
                "Published",
                "Effective from",
            ],
            [
                [
                    item["title"],
                    item["version"],
                    item["state"],
                    _text(item["proposed_at"]),
                    _text(item["consultation_closed_at"]),
                    _text(item["decided_at"]),
                    _text(item["published_at"]),
                    _text(item["effective_from"]),
                ]
                for item in policy["changes"]
            ],
            empty="No policy change was under way or decided.",
            notes=[
                f"{item['version']} came into force on {item['effective_from']}."
                for item in policy["adoptions"]
            ],
        ),
    ]


# PDF


# ReportLab's built-in fonts draw Latin script only; a TrueType font draws the rest (names in
# Cyrillic, Greek, ...). Debian's DejaVu Sans is used where it is installed.
_USUAL_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)


def _fonts() -> tuple[str, str]:
    """The regular and bold font names for the PDF."""
    path = settings.REPORT_PDF_FONT or next(
        (path for path in _USUAL_FONTS if os.path.exists(path)), ""
    )
    return _registered(path) if path else ("Helvetica", "Helvetica-Bold")


@functools.cache
def _registered(path: str) -> tuple[str, str]:
    name = os.path.basename(path).removesuffix(".ttf")
    try:
        pdfmetrics.registerFont(TTFont(name, path))
    except Exception:  # a missing or unreadable font must not stop the report
        logger.warning("REPORT_PDF_FONT %s could not be used; the PDF draws Latin only", path)
        return "Helvetica", "Helvetica-Bold"
    bold = path.removesuffix(".ttf") + "-Bold.ttf"
    if not os.path.exists(bold):
        return name, name
    pdfmetrics.registerFont(TTFont(f"{name}-Bold", bold))
    return name, f"{name}-Bold"


PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
# Space on each side of a table cell's text.
CELL_PADDING = 3
# A heading is kept with this much of what follows it at most (a long first row continues
# overleaf; waiting for a page that holds all of it would leave a page blank).
KEPT_WITH_HEADING = 50 * mm


def _styles():
    regular, bold = _fonts()
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName=regular)
    cell = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9, alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontName=bold),
        "h2": ParagraphStyle("h2", parent=sheet["Heading2"], fontName=bold),
        "body": body,
        "muted": ParagraphStyle("muted", parent=body, textColor=colors.grey),
        "cell": cell,
        # Header words never break: the columns are made wide enough for them.
        "head": ParagraphStyle("head", parent=cell, fontName=bold, splitLongWords=0),
    }


def _paragraphs(text: str, style) -> list[Paragraph]:
    return [Paragraph(escape(line), style) for line in text.splitlines() if line.strip()]


def _width(text: str, style) -> float:
    return pdfmetrics.stringWidth(text, style.fontName, style.fontSize)


def _longest_word(text: str, style) -> float:
    return max((_width(word, style) for word in text.split()), default=0.0)


def column_widths(section: Section, styles, width: float) -> list[float]:
    """Widths as a browser lays out an automatic table: each column at least as wide as its
    longest header word (and its longest cell word, up to an even share of the page: a digest or
    a link may break), and the room left shared in proportion to what each column holds on one
    line. Headers wider than the page all together are the only ones left to break."""
    head, cell = styles["head"], styles["cell"]
    count = len(section.headers)
    share = width / count
    padding = 2 * CELL_PADDING
    minimum, natural = [], []
    for column, header in enumerate(section.headers):
        cells = [row[column] for row in section.rows]
        longest_cell_word = max((_longest_word(text, cell) for text in cells), default=0.0)
        least = max(_longest_word(header, head), min(longest_cell_word, share - padding))
        one_line = max([_width(header, head), *(_width(text, cell) for text in cells)])
        minimum.append(least + padding)
        # No column's wish counts beyond half the page, so one long text does not starve the rest.
        natural.append(min(max(one_line + padding, least + padding), width / 2))
    if sum(minimum) >= width:
        return [width * least / sum(minimum) for least in minimum]
    if sum(natural) <= width:
        return [width * wish / sum(natural) for wish in natural]
    spare = (width - sum(minimum)) / (sum(natural) - sum(minimum))
    return [least + (wish - least) * spare for least, wish in zip(minimum, natural, strict=True)]


def _height(flowable, width: float) -> float:
    _, height = flowable.wrap(width, PAGE_HEIGHT)
    return height + flowable.getSpaceBefore() + flowable.getSpaceAfter()


def _heading(title: str, opening: list, styles, width: float) -> list:
    """A heading that never ends a page: a new page begins unless the heading and the start of
    what it heads (`opening`, up to KEPT_WITH_HEADING of it) fit below it."""
    heading = Paragraph(escape(title), styles["h2"])
    following = sum(_height(flowable, width) for flowable in opening)
    needed = _height(heading, width) + min(following, KEPT_WITH_HEADING)
    return [CondPageBreak(needed), heading]


def _cells(section: Section, styles, rows: int | None = None) -> list[list[Paragraph]]:
    """The table's header row (when it has headers) and its rows (the first `rows` of them)."""
    data = []
    if any(section.headers):
        data.append([Paragraph(escape(header), styles["head"]) for header in section.headers])
    data += [
        [Paragraph(escape(cell), styles["cell"]) for cell in row] for row in section.rows[:rows]
    ]
    return data


def _table_of(data: list, widths: list[float], with_headers: bool) -> Table:
    # splitInRow: a cell longer than a page (a long corrective action) continues overleaf.
    table = Table(data, splitInRow=1, colWidths=widths, repeatRows=1 if with_headers else 0)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                *([("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)] if with_headers else []),
            ]
        )
    )
    return table


def _table(section: Section, styles, width: float) -> list:
    notes = [Paragraph(escape(note), styles["muted"]) for note in section.notes if note]
    if not section.rows:
        body = [Paragraph(escape(section.empty), styles["body"])]
        return [*_heading(section.title, [*notes, *body], styles, width), *notes, *body]
    with_headers = any(section.headers)
    widths = column_widths(section, styles, width)
    # The heading is kept with the column headers and the first row.
    first_rows = _table_of(_cells(section, styles, rows=1), widths, with_headers)
    table = _table_of(_cells(section, styles), widths, with_headers)
    return [*_heading(section.title, [*notes, first_rows], styles, width), *notes, table]


# The charts of where models stand: one per model and threshold with a numeric rule, drawn from
# the report's own contents (contents["trajectories"], absent from reports older than them).
CHART_HEIGHT = 250


def _trajectories(contents: dict, styles, font: str) -> list:
    """The part with a chart per model and threshold, each kept with its heading (the chart
    says its forecast in words below it); nothing for a report whose contents have none."""
    if "trajectories" not in contents:
        return []
    items = contents["trajectories"]
    trajectories = (
        [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    )
    intro = Paragraph(
        escape(
            "Each evaluation's aggregate against its snapshot's effective compute (log scale), "
            "with the warning and crossing levels and, where the evaluations support one, the "
            "forecast of the crossing with its band."
            if trajectories
            else "No model has an evaluation against a threshold with a numeric rule."
        ),
        styles["muted"],
    )
    part = [Spacer(1, 4 * mm), *_heading(TRAJECTORIES_TITLE, [intro], styles, TEXT_WIDTH), intro]
    h3 = ParagraphStyle("h3", parent=styles["h2"], fontSize=11, leading=14, spaceBefore=8)
    for trajectory in trajectories:
        part.append(
            KeepTogether(
                [
                    Paragraph(escape(chart_heading(trajectory)), h3),
                    Paragraph(escape(threshold_words(trajectory)), styles["muted"]),
                    chart_drawing(trajectory, TEXT_WIDTH, CHART_HEIGHT, font=font),
                ]
            )
        )
    return part


def _status(report: QuarterlyReport) -> str:
    if not report.issued_at:
        return "DRAFT, not issued"
    issuer = report.issued_by.get_full_name() or report.issued_by.get_username()
    return f"Issued {timezone.localtime(report.issued_at):%Y-%m-%d %H:%M %Z} by {issuer}"


def _page_canvas(report: QuarterlyReport, fonts: tuple[str, str]):
    """A canvas that writes each page's footer once the number of pages is known: which report,
    whether it is a draft, "Page N of M"; and a DRAFT mark across every page of a draft."""
    regular, bold = fonts
    draft = not report.issued_at
    footer = f"RSO quarterly report {report.label} · " + (
        "DRAFT, not issued" if draft else f"Issued, SHA-256 {report.content_sha256[:16]}…"
    )

    class PageCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, page in enumerate(self._pages, start=1):
                self.__dict__.update(page)
                self._decorate(number, total)
                super().showPage()
            super().save()

        def _decorate(self, number: int, total: int) -> None:
            if draft:  # translucent, so the text under it stays legible
                self.saveState()
                self.setFillColor(colors.Color(0.75, 0.1, 0.1, alpha=0.18))
                self.setFont(bold, 110)
                self.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
                self.rotate(50)
                self.drawCentredString(0, -40, "DRAFT")
                self.restoreState()
            self.saveState()
            self.setFillColor(colors.Color(0.3, 0.3, 0.3))
            self.setFont(regular, 7.5)
            self.drawString(MARGIN, 8 * mm, footer)
            self.drawRightString(PAGE_WIDTH - MARGIN, 8 * mm, f"Page {number} of {total}")
            self.restoreState()

    return PageCanvas


def quarterly_report_pdf(report: QuarterlyReport) -> bytes:
    """The report as a PDF: the same record as the page, with its SHA-256 once issued."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"RSO quarterly report {report.label}",
        author="Responsible Scaling Officer",
    )
    fonts = _fonts()
    styles = _styles()
    contents = report.contents or {}
    period = contents.get("period", {})
    flow = [
        Paragraph(escape(f"RSO quarterly report {report.label}"), styles["title"]),
        Paragraph(
            escape(
                f"Period {period.get('start', '')} to {period.get('end', '')}. "
                f"Generated {contents.get('generated_at', '')}. {_status(report)}."
            ),
            styles["muted"],
        ),
    ]
    if report.content_sha256:
        flow.append(Paragraph(escape(f"SHA-256 {report.content_sha256}"), styles["muted"]))
    commentary = _paragraphs(report.commentary, styles["body"]) or [
        Paragraph("No commentary yet.", styles["muted"])
    ]
    flow += [*_heading("The RSO's commentary", commentary[:1], styles, TEXT_WIDTH), *commentary]
    if report.deficiencies:
        items = [Paragraph(escape(item), styles["body"]) for item in report.deficiencies]
        # A list cannot be measured before it is drawn: the heading is kept with its first item.
        opening = [Paragraph(escape(report.deficiencies[0]), styles["body"])]
        deficiencies = [
            ListFlowable(
                [ListItem(item) for item in items], bulletType="1", bulletFontName=fonts[0]
            )
        ]
    else:
        deficiencies = opening = [Paragraph("None noted.", styles["body"])]
    flow += [*_heading("Deficiencies", opening, styles, TEXT_WIDTH), *deficiencies]
    for section in report_sections(contents):
        flow.append(Spacer(1, 4 * mm))
        flow += _table(section, styles, TEXT_WIDTH)
    flow += _trajectories(contents, styles, fonts[0])
    document.build(flow, canvasmaker=_page_canvas(report, fonts))
    return buffer.getvalue()
