"""Small display helpers for the pages."""

from django import template

from ..choices import Role

register = template.Library()


@register.filter
def flop(value) -> str:
    """1.2e25 -> "1.2 × 10²⁵ FLOP"; blank stays a dash."""
    if value is None or value == "":
        return "—"
    mantissa, _, exponent = f"{float(value):.3g}".partition("e")
    if not exponent:
        return f"{mantissa} FLOP"
    superscript = str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{mantissa} × 10{superscript} FLOP"


@register.filter
def multiple(value) -> str:
    return "—" if value is None else f"{value:.2g}×"


@register.filter
def role_labels(codes) -> str:
    return ", ".join(Role(code).label for code in codes or []) or "—"


@register.filter
def action_label(code) -> str:
    """An audit action or event type in words: "policy_change.took_effect" -> "Policy change
    took effect". Any stored text renders; the code itself stays available for filtering."""
    text = str(code or "").strip()
    if not text:
        return "—"
    words = " ".join(part.replace("_", " ").strip() for part in text.split(".") if part.strip())
    words = " ".join(ACRONYMS.get(word, word) for word in words.split())
    return words[:1].upper() + words[1:]


ACRONYMS = {"ai": "AI", "rso": "RSO", "ceo": "CEO", "api": "API", "asl": "ASL", "pdf": "PDF"}


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.simple_tag(takes_context=True)
def workflow_actions(context, obj) -> dict:
    """The steps the signed-in person may take on `obj` now, from its workflow declaration:
    `{% workflow_actions determination as actions %}` then `{% if actions.sign %}`."""
    from ..workflow import workflow_for

    workflow = workflow_for(obj)
    request = context.get("request")
    if workflow is None or request is None:
        return {}
    return workflow.actions(request.user, obj)


@register.simple_tag
def awaiting(obj):
    """What `obj` awaits now, from whom and by when (None when nothing)."""
    from ..workflow import workflow_for

    workflow = workflow_for(obj)
    return workflow.awaiting(obj) if workflow is not None else None
