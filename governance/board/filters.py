"""Filters for the board's API lists."""

import django_filters

from governance.board.models import Motion
from governance.board.selectors import motions_awaiting_vote
from governance.choices import MotionState


class MotionFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=MotionState.choices)
    awaiting = django_filters.ChoiceFilter(
        choices=[("me", "me")],
        method="awaiting_vote",
        label="awaiting=me: open motions you may vote on and have not",
    )

    class Meta:
        model = Motion
        fields = ["state", "policy_change", "meeting", "awaiting"]

    def awaiting_vote(self, queryset, name, value):
        return motions_awaiting_vote(getattr(self.request, "user", None), queryset)
