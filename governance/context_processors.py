from .choices import Role
from .navigation import items_for
from .permissions import user_roles
from .selectors import unread_notification_count


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role_labels": []}
    return {
        "unread_notifications": unread_notification_count(user),
        "nav_items": items_for(user),
        "user_role_labels": [Role(role).label for role in sorted(user_roles(user))],
    }
