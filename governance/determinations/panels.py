"""The officers' overview on the home page and in /api/v1/me/work/: approved safeguards that
lapse within 60 days and are not yet renewed (registered in DeterminationsConfig.ready)."""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone

from governance.choices import SafeguardsReportState
from governance.my_work import time_left_words
from governance.panels import HomePanel
from governance.rules import is_officer

from .models import SafeguardsReport

EXPIRY_WINDOW = dt.timedelta(days=60)


def safeguards_expiring(user) -> list[dict]:
    now = timezone.now()
    renewed = SafeguardsReport.objects.filter(
        model=OuterRef("model"),
        standard=OuterRef("standard"),
        state=SafeguardsReportState.APPROVED,
        valid_until__gt=OuterRef("valid_until"),
    )
    expiring = (
        SafeguardsReport.objects.filter(
            state=SafeguardsReportState.APPROVED,
            valid_until__gt=now,
            valid_until__lte=now + EXPIRY_WINDOW,
        )
        .exclude(Exists(renewed))
        .select_related("model", "standard")
        .order_by("valid_until")
    )
    return [
        {
            "label": str(report),
            "detail": f"In force until {report.valid_until:%d %b %Y}",
            "due": report.valid_until.isoformat(),
            "time_left": time_left_words(report.valid_until, now),
            "badge": "expiring",
            "url": report.get_absolute_url(),
        }
        for report in expiring
    ]


DETERMINATIONS_PANELS = (
    HomePanel(
        key="safeguards_expiring",
        title="Safeguards lapsing within 60 days",
        rows=safeguards_expiring,
        visible_to=lambda user: bool(is_officer.test(user, None)),
        empty="No approved safeguards lapse in the next 60 days.",
        order=30,
    ),
)
