"""The suite refuses a test outside tests/browser that Playwright would parametrize
(tests/conftest.py: such a test reorders the browser tests before ordinary ones)."""

from tests.conftest import stray_browser_tests

pytest_plugins = ["pytester"]


def test_a_page_argument_outside_tests_browser_is_a_stray(pytester):
    pytester.makepyfile(
        test_stray="""
        import pytest

        @pytest.mark.parametrize("page", ["today"])
        def test_preview(page):
            assert page == "today"

        def test_plain():
            assert True
        """
    )
    items, _recorder = pytester.inline_genitems("-p", "playwright", "-p", "no:django")

    strays = stray_browser_tests(items)

    assert [nodeid.split("::")[1] for nodeid in strays] == ["test_preview[chromium-today]"]


def test_the_suite_has_no_stray_browser_test(request):
    assert stray_browser_tests(request.session.items) == []
