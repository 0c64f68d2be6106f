"""The demo logins work against a real server process, over real HTTP."""

import urllib.request

from governance.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from tests.integration.fresh_clone import sign_in


def test_each_demo_login_works_over_http(http_server):
    # One server for all logins: starting one per user would only repeat the start-up.
    for username, full_name, _, _ in DEMO_USERS:
        status, final_url, page = sign_in(http_server, username, DEMO_PASSWORD)
        assert (status, final_url) == (200, f"{http_server}/"), username
        assert full_name in page
        assert "Sign out" in page


def test_wrong_password_stays_on_the_login_page_with_an_error(http_server):
    status, final_url, page = sign_in(http_server, "rso", "not-the-password")
    assert final_url == f"{http_server}/login/"
    assert "Please enter a correct username and password" in page


def test_static_stylesheet_is_served_by_the_app(http_server):
    css = urllib.request.urlopen(f"{http_server}/static/css/app.css", timeout=10)
    assert css.status == 200
    assert b".topbar" in css.read()
