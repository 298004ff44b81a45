"""Playwright (sync API) driving Debian's headless Chromium against pytest-django's live_server."""

import os

import pytest

# Playwright runs an event loop in this thread; Django's ORM calls from the test body are fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = os.environ.get("SCREENSHOT_DIR", "/tmp/shots")


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# Content-Security-Policy: Chromium reports what the policy blocked on the console ("... violates the
# following Content Security Policy directive ..."); the init script reports the DOM's
# securitypolicyviolation events as well. Any of them fails the test: the admin must work under the policy.
CSP_MARKERS = ("Content Security Policy", "CSP violation:")
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
    `CSP violation: ${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
    violations = []
    context.on(
        "console",
        lambda message: (
            violations.append(message.text) if any(marker in message.text for marker in CSP_MARKERS) else None
        ),
    )
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations in the browser:\n" + "\n".join(violations))


@pytest.fixture
def shot():
    os.makedirs(SHOTS, exist_ok=True)

    def take(page, name):
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)

    return take
