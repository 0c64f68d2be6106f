"""Demo data of the Trust: the demo trustee's current term (idempotent)."""

import datetime as dt

from django.contrib.auth import get_user_model

from governance.audit import SYSTEM

from .models import TrusteeTerm
from .services import trustee_term_record


def seed_trustee_term() -> list[str]:
    trustee = get_user_model().objects.filter(username="trustee").first()
    if trustee is None or TrusteeTerm.objects.exists():
        return []
    trustee_term_record(actor=SYSTEM, user=trustee, starts_on=dt.date(2026, 6, 1))
    return []
