"""Every URL the project serves refuses anonymous visitors: pages redirect to sign-in, the API
answers 401/403. The few public URLs are listed here with the reason."""

from django.urls import URLPattern, URLResolver, get_resolver

# name -> why it is public
PUBLIC = {
    "login": "the sign-in page",
    "logout": "signing out needs no session",
    "admin:login": "the admin's own sign-in page",
    "admin:logout": "signing out",
}


def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            nested = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), nested)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield name, prefix + str(entry.pattern)


def _concrete(route: str) -> str:
    """A URL for a route: fill regex groups and path converters with plausible values."""
    import re

    uuid = "00000000-0000-0000-0000-000000000001"
    route = re.sub(
        r"\(\?P<(\w+)>[^)]*\)",
        lambda m: "json" if m[1] == "format" else uuid if "{36}" in m[0] else "1",
        route,
    )
    route = re.sub(
        r"<(?:(\w+):)?(\w+)>",
        lambda m: (
            ".json"
            if m[2] == "format"
            else "1"
            if m[1] in (None, "int")
            else "00000000-0000-0000-0000-000000000001"
            if m[1] == "uuid"
            else "x"
        ),
        route,
    )
    route = route.replace("^", "").replace("$", "").replace("/?", "/").replace("\\.", ".")
    return "/" + route


def test_every_url_requires_authentication(client, db, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {  # every route once, not a flood: the anonymous rate is not tested
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "anonymous": "100000/minute"},
    }
    checked, failures = 0, []
    for name, route in _walk(get_resolver()):
        if name in PUBLIC or route.startswith("static/"):
            continue
        url = _concrete(route)
        response = client.get(url)
        checked += 1
        redirected_to_login = response.status_code == 302 and "login" in response["Location"]
        if not (redirected_to_login or response.status_code in (401, 403, 404)):
            failures.append(f"{url} ({name}): {response.status_code}")
        # A 404 here must come from a missing object, not from a route we failed to fill.
        if response.status_code == 404 and not url.startswith("/admin/"):
            failures.append(f"{url} ({name}): 404 - could not build a URL for this route")
    assert checked > 20
    assert failures == []


def test_public_names_are_real_url_names():
    from django.urls import reverse

    for name in PUBLIC:
        assert reverse(name)


def test_login_page_and_health_check_answer_anonymously(client, db):
    from django.urls import reverse

    assert client.get(reverse("login")).status_code == 200
    # /healthz/ is answered by middleware, before any URL pattern.
    assert client.get("/healthz/").json() == {"status": "ok"}
