"""Issuing the RSO's quarterly report: the commentary typed on the page goes with the issue
step (one form, one transaction, audited), issuing asks for confirmation naming who is told,
a step that would be refused is not offered; and the PDF has page numbers, a DRAFT mark on
every page until issued, header words that never break and no heading stranded at a page foot."""

import base64
import html
import re
import zlib

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from governance.board import report_rendering
from governance.board.models import QuarterlyReport
from governance.board.report_rendering import column_widths, quarterly_report_pdf, report_sections
from governance.board.services.quarterly_reports import (
    content_digest,
    quarterly_report_draft,
    quarterly_report_issue,
)
from governance.choices import QuarterlyReportState
from governance.errors import TransitionNotAllowed
from governance.models import AuditEvent
from governance.templatetags.signing import step_blockers
from tests.board import test_quarterly_reports as quarterly
from tests.conftest import FIXED_NOW

# The people, records and annotated draft of the quarterly report's own tests.
builtin_pdf_fonts = quarterly.builtin_pdf_fonts
people = quarterly.people
records = quarterly.records
draft = quarterly.draft

# 18 November 2026: the third quarter is over, the fourth is not.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(FIXED_NOW)]

TYPED = "Typed on the page and issued at once."


def _step(report, name: str) -> str:
    return reverse("quarterly-report-step", args=[report.pk, name])


def _actions(report) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            target_type="governance.quarterlyreport", target_id=str(report.pk)
        )
        .order_by("sequence")
        .values_list("action", flat=True)
    )


# The service


def test_issue_saves_the_commentary_typed_with_it_and_audits_it(draft, people):
    report = quarterly_report_issue(
        actor=people["rso"],
        report=draft,
        commentary=f"  {TYPED}  ",
        deficiencies="One late review\n\n",
    )
    report.refresh_from_db()
    assert (report.state, report.commentary, report.deficiencies) == (
        QuarterlyReportState.ISSUED,
        TYPED,
        ["One late review"],
    )
    assert report.content_sha256 == content_digest(report)  # the digest covers what was typed
    assert _actions(report)[-3:] == [
        "quarterly_report.annotated",
        "quarterly_report.annotated",
        "quarterly_report.issued",
    ]
    annotated = (
        AuditEvent.objects.filter(action="quarterly_report.annotated").order_by("sequence").last()
    )
    assert annotated.before["commentary"] == "A quarter with one crossing handled in time."
    assert annotated.after == {"commentary": TYPED, "deficiencies": ["One late review"]}


def test_issue_with_the_saved_commentary_writes_no_annotation(draft, people):
    before = _actions(draft)
    quarterly_report_issue(
        actor=people["rso"],
        report=draft,
        commentary=draft.commentary,
        deficiencies="\n".join(draft.deficiencies),
    )
    assert _actions(draft) == [*before, "quarterly_report.issued"]


def test_a_refused_issue_saves_nothing(people, frameworks):
    current = quarterly_report_draft(actor=people["rso"], year=2026, quarter=4)
    with pytest.raises(TransitionNotAllowed, match="ends on 2027-01-01"):
        quarterly_report_issue(actor=people["rso"], report=current, commentary=TYPED)
    current.refresh_from_db()
    assert (current.state, current.commentary) == (QuarterlyReportState.DRAFT, "")
    assert _actions(current) == ["quarterly_report.drafted"]


def test_only_the_rso_issues_or_writes_commentary_with_it(draft, people):
    with pytest.raises(PermissionDenied):
        quarterly_report_issue(actor=people["ceo"], report=draft, commentary="Mine now.")
    draft.refresh_from_db()
    assert draft.commentary == "A quarter with one crossing handled in time."


# The page


def test_commentary_and_issue_are_one_form_with_a_confirmation(client, draft, people):
    client.force_login(people["rso"])
    page = html.unescape(client.get(draft.get_absolute_url()).content.decode())
    form = re.search(r'<form[^>]*id="report-annotation".*?</form>', page, re.S).group(0)
    assert 'name="commentary"' in form and 'name="deficiencies"' in form
    assert f'formaction="{_step(draft, "issue")}"' in form
    assert "Issue to the board and the Trust</button>" in form
    assert "data-skip-confirm>Save commentary</button>" in form  # saving asks nothing
    confirm = re.search(r'data-confirm="([^"]*)"', form).group(1)
    assert "You issue the RSO's report for 2026-Q3" in confirm
    assert "This cannot be undone" in confirm
    for recipient in (people["director"], people["trustee"]):
        assert recipient.get_full_name() in confirm  # who will be told


def test_typing_commentary_and_pressing_issue_issues_it(client, draft, people):
    client.force_login(people["rso"])
    response = client.post(
        _step(draft, "issue"),
        {"commentary": TYPED, "deficiencies": "One late review"},
        follow=True,
    )
    draft.refresh_from_db()
    assert (draft.state, draft.commentary) == (QuarterlyReportState.ISSUED, TYPED)
    page = response.content.decode()
    assert "Issued: each director and trustee it went to is asked to acknowledge it." in page
    assert 'id="report-annotation"' not in page


def test_a_refused_issue_keeps_what_was_typed(client, people, frameworks):
    current = quarterly_report_draft(actor=people["rso"], year=2026, quarter=4)
    client.force_login(people["rso"])
    response = client.post(
        _step(current, "issue"), {"commentary": TYPED, "deficiencies": ""}, follow=True
    )
    current.refresh_from_db()
    assert (current.state, current.commentary) == (QuarterlyReportState.DRAFT, TYPED)
    assert (
        "Not issued: Cannot issue it yet: 2026-Q4 ends on 2027-01-01. Your commentary and "
        "deficiencies are saved"
    ) in html.unescape(response.content.decode())


def test_a_report_that_cannot_be_issued_yet_offers_no_issue_button(client, people, frameworks):
    current = quarterly_report_draft(actor=people["rso"], year=2026, quarter=4)
    client.force_login(people["rso"])
    page = html.unescape(client.get(current.get_absolute_url()).content.decode())
    assert "Issue to the board and the Trust</button>" not in page
    assert "Not yet issuable: Cannot issue it yet: 2026-Q4 ends on 2027-01-01." in re.sub(
        r"<[^>]+>", "", page
    )
    assert "Save commentary</button>" in page  # the commentary can be written meanwhile


def test_missing_commentary_is_no_blocker_where_the_form_sends_it(people, frameworks):
    past = quarterly_report_draft(actor=people["rso"], year=2026, quarter=3)
    assert step_blockers(past, "issue") == ["Add your commentary before issuing the report."]
    assert step_blockers(past, "issue", "commentary,deficiencies") == []


def test_acknowledging_asks_for_confirmation_of_what_is_attested(client, draft, people):
    report = quarterly_report_issue(actor=people["rso"], report=draft)
    client.force_login(people["director"])
    page = html.unescape(client.get(report.get_absolute_url()).content.decode())
    assert (
        "You confirm that you have received and read the RSO's report for 2026-Q3 as issued"
    ) in page


# The PDF


def pdf_pages(data: bytes) -> list[list[str]]:
    """The strings drawn on each page, in drawing order (ReportLab writes one content stream
    per page, ASCII85 over zlib; the tests draw with the built-in fonts, whose text is as is)."""
    pages = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        stream = stream.strip()
        if stream.endswith(b"~>"):
            stream = zlib.decompress(base64.a85decode(stream[:-2]))
        strings = re.findall(r"\((.*?)\) Tj", stream.decode("latin-1"))
        if strings:
            pages.append([text.replace("\\(", "(").replace("\\)", ")") for text in strings])
    return pages


def test_every_page_is_numbered_and_marked_draft_until_issued(draft, people):
    pages = pdf_pages(quarterly_report_pdf(draft))
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert page[-1] == f"Page {number} of {len(pages)}"
        assert "DRAFT" in page  # the mark across the page
        assert page[-2].startswith("RSO quarterly report 2026-Q3 ") and "DRAFT" in page[-2]

    issued = quarterly_report_issue(actor=people["rso"], report=draft)
    pages = pdf_pages(quarterly_report_pdf(issued))
    assert all(page[-1] == f"Page {n} of {len(pages)}" for n, page in enumerate(pages, 1))
    assert not any("DRAFT" in text for page in pages for text in page)
    assert f"SHA-256 {issued.content_sha256[:16]}" in pages[0][-2]


def test_header_words_are_never_broken(draft):
    drawn = [text for page in pdf_pages(quarterly_report_pdf(draft)) for text in page]
    for section in report_sections(draft.contents):
        for header in section.headers:
            for word in header.split():
                assert any(re.search(rf"(^|\s){re.escape(word)}(\s|$)", t) for t in drawn), word
                # "Acknowledg" then "ed after": a word split over two lines of its cell.
                broken = [
                    (first, then)
                    for first, then in zip(drawn, drawn[1:], strict=False)
                    if first != word and word.startswith(first) and (first + then).startswith(word)
                ]
                assert broken == [], (word, broken)


def test_columns_are_as_wide_as_their_longest_header_word(draft):
    styles = report_rendering._styles()
    for section in report_sections(draft.contents):
        widths = column_widths(section, styles, report_rendering.TEXT_WIDTH)
        assert sum(widths) == pytest.approx(report_rendering.TEXT_WIDTH)
        for header, width in zip(section.headers, widths, strict=True):
            longest = max(
                (report_rendering._width(w, styles["head"]) for w in header.split()), default=0
            )
            assert width >= longest + 2 * report_rendering.CELL_PADDING


HEADINGS = {"The RSO's commentary", "Deficiencies"}


def test_no_heading_ends_a_page(draft):
    """Commentary of different lengths moves every heading down the pages: none is the last
    thing drawn on a page, whichever way the pages fall."""
    headings = HEADINGS | {section.title for section in report_sections(draft.contents)}
    starts = set()
    for lines in range(0, 60, 3):
        draft.commentary = "\n".join(f"Paragraph {n} of the commentary." for n in range(lines))
        pages = pdf_pages(quarterly_report_pdf(draft))
        for page in pages[:-1]:
            content = page[:-3]  # then the DRAFT mark, the footer and the page number
            assert content[-1] not in headings, (lines, content[-6:])
        starts |= {page[0] for page in pages[1:]}
    assert starts & headings  # some heading was moved to the top of a page


def test_the_pages_of_a_report_with_many_rows(draft, people):
    """A long table continues overleaf with its header row repeated, numbered throughout."""
    contents = draft.contents
    contents["escalations"]["items"] = contents["escalations"]["items"] * 40
    draft.contents = contents
    pages = pdf_pages(quarterly_report_pdf(draft))
    assert len(pages) >= 4
    repeated = [page for page in pages if "Acknowledged" in page]
    assert len(repeated) >= 2  # the header row on every page the table runs over
    assert QuarterlyReport.objects.get(pk=draft.pk).contents != contents  # only drawn, not saved


def test_the_api_issues_with_the_commentary_sent(api, draft, people):
    url = f"/api/v1/quarterly-reports/{draft.pk}/issue/"
    bad = api(people["rso"]).post(url, {"deficiencies": "not a list"})
    assert bad.status_code == 400 and "deficiencies" in bad.json()
    issued = api(people["rso"]).post(url, {"commentary": TYPED, "deficiencies": ["Late."]})
    assert issued.status_code == 200, issued.content
    draft.refresh_from_db()
    assert (draft.state, draft.commentary, draft.deficiencies) == (
        QuarterlyReportState.ISSUED,
        TYPED,
        ["Late."],
    )
