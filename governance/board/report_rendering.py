"""The RSO's quarterly report as tables, for the printable page and the PDF alike, so both
always show the same record; and the PDF itself, drawn with ReportLab (pure Python, so it
works air-gapped with nothing but pip)."""

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
from reportlab.platypus import (
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from governance.board.models import QuarterlyReport

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


def _styles():
    regular, bold = _fonts()
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName=regular)
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontName=bold),
        "h2": ParagraphStyle("h2", parent=sheet["Heading2"], fontName=bold),
        "body": body,
        "muted": ParagraphStyle("muted", parent=body, textColor=colors.grey),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9, alignment=TA_LEFT),
        "head": ParagraphStyle("head", parent=body, fontSize=7.5, leading=9, fontName=bold),
    }


def _paragraphs(text: str, style) -> list[Paragraph]:
    return [Paragraph(escape(line), style) for line in text.splitlines() if line.strip()]


def _table(section: Section, styles, width: float) -> list:
    flow = [Paragraph(escape(section.title), styles["h2"])]
    flow += [Paragraph(escape(note), styles["muted"]) for note in section.notes if note]
    if not section.rows:
        flow.append(Paragraph(escape(section.empty), styles["body"]))
        return flow
    data = []
    if any(section.headers):
        data.append([Paragraph(escape(header), styles["head"]) for header in section.headers])
    data += [[Paragraph(escape(cell), styles["cell"]) for cell in row] for row in section.rows]
    # splitInRow: a cell longer than a page (a long corrective action) continues overleaf.
    table = Table(
        data,
        splitInRow=1,
        colWidths=[width / len(section.headers)] * len(section.headers),
        repeatRows=1 if any(section.headers) else 0,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *(
                    [("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]
                    if any(section.headers)
                    else []
                ),
            ]
        )
    )
    flow.append(table)
    return flow


def quarterly_report_pdf(report: QuarterlyReport) -> bytes:
    """The report as a PDF: the same record as the page, with its SHA-256 once issued."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"RSO quarterly report {report.label}",
        author="Responsible Scaling Officer",
    )
    styles = _styles()
    contents = report.contents or {}
    period = contents.get("period", {})
    status = (
        f"Issued {timezone.localtime(report.issued_at):%Y-%m-%d %H:%M %Z} by "
        f"{report.issued_by.get_full_name() or report.issued_by.get_username()}"
        if report.issued_at
        else "DRAFT, not issued"
    )
    flow = [
        Paragraph(escape(f"RSO quarterly report {report.label}"), styles["title"]),
        Paragraph(
            escape(
                f"Period {period.get('start', '')} to {period.get('end', '')}. "
                f"Generated {contents.get('generated_at', '')}. {status}."
            ),
            styles["muted"],
        ),
    ]
    if report.content_sha256:
        flow.append(Paragraph(escape(f"SHA-256 {report.content_sha256}"), styles["muted"]))
    flow.append(Paragraph("The RSO's commentary", styles["h2"]))
    flow += _paragraphs(report.commentary, styles["body"]) or [
        Paragraph("No commentary yet.", styles["muted"])
    ]
    flow.append(Paragraph("Deficiencies", styles["h2"]))
    if report.deficiencies:
        flow.append(
            ListFlowable(
                [ListItem(Paragraph(escape(item), styles["body"])) for item in report.deficiencies],
                bulletType="1",
                bulletFontName=_fonts()[0],
            )
        )
    else:
        flow.append(Paragraph("None noted.", styles["body"]))
    width = A4[0] - 30 * mm
    for section in report_sections(contents):
        flow.append(Spacer(1, 4 * mm))
        flow += _table(section, styles, width)
    document.build(flow)
    return buffer.getvalue()
