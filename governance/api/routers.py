from rest_framework.routers import DefaultRouter, SimpleRouter


class NumericIdMixin:
    """Ids in URLs are numbers (ingestions: UUIDs), so a malformed one is a 404, not a 500."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_value_regex", None) is None:
            viewset.lookup_value_regex = r"[0-9]+"
        return super().get_lookup_regex(viewset, lookup_prefix)


class NumericIdRouter(NumericIdMixin, DefaultRouter):
    pass


class NumericIdSimpleRouter(NumericIdMixin, SimpleRouter):
    pass
