"""Named reads, shared by the pages, the API and the services."""

from django.utils import timezone


def safeguards_in_force(model, standards, *, at=None) -> bool:
    """Whether every given safeguard standard has an approved report for the model that has
    not expired (an expired approval counts as not in force)."""
    from governance.choices import SafeguardsReportState
    from governance.determinations.models import SafeguardsReport

    wanted = {standard.pk for standard in standards}
    if not wanted:
        return True
    in_force = set(
        SafeguardsReport.objects.filter(
            model=model,
            standard_id__in=wanted,
            state=SafeguardsReportState.APPROVED,
            valid_until__gt=at or timezone.now(),
        ).values_list("standard_id", flat=True)
    )
    return in_force == wanted


def latest_final_determination(model):
    from governance.choices import DeterminationState
    from governance.determinations.models import Determination

    return (
        Determination.objects.filter(model=model, state=DeterminationState.FINAL)
        .prefetch_related("snapshots", "required_safeguards")
        .order_by("-finalized_at")
        .first()
    )


def deployment_gaps(model) -> list[str]:
    """Why the model may not be deployed yet: deployment needs a final determination covering
    its latest snapshot and every safeguard it requires approved and in force."""
    latest = model.snapshots.order_by("-created_on", "-id").first()
    determination = latest_final_determination(model)
    if determination is None:
        return ["No final ASL determination for this model."]
    gaps = []
    if latest is not None and latest not in determination.snapshots.all():
        gaps.append(f"The final determination does not cover the latest snapshot, {latest.name}.")
    required = list(determination.required_safeguards.all())
    if not safeguards_in_force(model, required):
        names = ", ".join(standard.name for standard in required)
        gaps.append(f"Required safeguards not all approved and in force: {names}.")
    return gaps


def asl_history(model) -> list:
    from governance.choices import DeterminationState
    from governance.determinations.models import Determination

    return list(
        Determination.objects.filter(
            model=model, state__in=[DeterminationState.FINAL, DeterminationState.SUPERSEDED]
        )
        .select_related("required_level")
        .order_by("-finalized_at")
    )
