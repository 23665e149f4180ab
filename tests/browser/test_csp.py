"""The Content-Security-Policy and no-store in a real browser (security test, finding 9).

The policy allows no inline code: a page that still had a ``<script>`` block, an ``onclick`` or a
``style=`` attribute would lose that behaviour or look in the field, silently. So the crawl signs
in as people of the demo with different roles (the site admin, who also walks the Django admin; a
plan coordinator working in French; a team leader; an Arabic-speaking organisation admin),
follows every same-origin link from the home page breadth-first, and counts the violations the
browser reports. Then the scripts moved to files are checked to still work, and the back button
after sign-out is checked to show nobody's page.

The tests are transactional: ``live_server`` serves from another thread, so data must be committed.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from actionplans.models import ActionPoint, ExportJob
from consent.models import ConsentFormVersion
from pim import demo
from pim.models import User
from tests.browser.pages import sign_in, sign_out
from tests.conftest import PASSWORD
from tests.consent.conftest import ensure_default_guidance
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Demo people whose pages differ: (username, why they are in the crawl).
CRAWLERS = [
    ("admin", "site admin: every page, and the Django admin"),
    ("fanette", "coordinator of the Lebanon plan, pages in French"),
    ("jad", "team leader of one group, admin of UNHCR"),
    ("rana", "admin of UNICEF, pages in Arabic (right to left)"),
]
MAX_PAGES_PER_PERSON = 200
# Pages of one shape (the path with its numbers as N, with or without a query string) visited at
# most this often: a third action point or a fourth admin filter shows no new template.
MAX_PER_SHAPE = 2
# Fewer pages than this means the crawl missed most of the app (a broken sign-in, a changed
# link): the test must not pass because it looked at nothing.
MIN_PAGES = 120

# GET only, and nothing that changes state or leaves the pages: sign-out, confirmation pages of
# deletions, the language switch, and file downloads (which have no document to check).
SKIP = re.compile(
    r"/logout/|/i18n/|delete|/remove/|/withdraw/|/unlink/|/revoke/"
    r"|/export/|/xlsform/|/download/|^/documents/\d+/$|^/static/|^/media/"
)

# Reports each violation to Python: the event fires in every document, before any page script.
LISTEN_FOR_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({
    page: document.location.href,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""


def shape(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + ("?" if parts.query else "")


class Crawl:
    """Visits pages and keeps what the browser reported on each."""

    def __init__(self, page: Page, origin: str):
        self.page = page
        self.origin = origin
        self.violations: list[dict] = []
        self.script_errors: list[str] = []
        self.policy_warnings: set[str] = set()
        self.server_errors: list[str] = []
        self.visited: list[str] = []
        page.context.expose_binding(
            "__cspViolation", lambda _source, report: self.violations.append(report)
        )
        page.context.add_init_script(LISTEN_FOR_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.script_errors.append(f"{page.url}: {error}"))

    def _console(self, message):
        # A second witness: Chromium also logs each refusal ("Refused to apply inline style...").
        if message.type == "error" and "Content Security Policy" in message.text:
            self.violations.append({"page": self.page.url, "console": message.text})
        # "Unrecognized feature" in our Permissions-Policy: noise on every page of every person.
        if "Permissions-Policy" in message.text:
            self.policy_warnings.add(message.text)

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        found = []
        for href in hrefs:
            url, _fragment = urldefrag(href)
            if url.startswith(self.origin) and not SKIP.search(urlsplit(url).path):
                found.append(url)
        return found

    def walk(self, starts: list[str], limit: int) -> None:
        queue, seen, shapes = deque(starts), set(starts), Counter()
        visited_here = 0
        while queue and visited_here < limit:
            url = queue.popleft()
            if shapes[shape(url)] >= MAX_PER_SHAPE:
                continue
            shapes[shape(url)] += 1
            try:
                response = self.page.goto(url, wait_until="load")
            except PlaywrightError as error:
                if "Download is starting" in str(error):
                    continue  # a file after all: nothing to render
                raise
            visited_here += 1
            self.visited.append(url)
            if response is not None and response.status >= 500:
                self.server_errors.append(f"{url}: {response.status}")
            if urlsplit(self.page.url).path.startswith("/accounts/login/"):
                continue  # signed out somehow: its links lead nowhere new
            for link in self.links():
                if link not in seen:
                    seen.add(link)
                    queue.append(link)


@pytest.fixture
def demo_world(transactional_db):
    """The demo that `make run` loads, with the test password for the people who crawl, and an
    export in progress for the admin (its page follows the job with a script)."""
    ensure_default_guidance()  # the demo's consent forms are checked against the guidance rules
    demo.load()
    for username, _why in CRAWLERS:
        user = User.objects.get(username=username)
        user.set_password(PASSWORD)
        user.save()
    ExportJob.objects.create(
        user=User.objects.get(username="admin"),
        title="All action points",
        scope="list",
        format=ExportJob.Format.XLSX,
        status=ExportJob.Status.RUNNING,
        rows_total=100,
        rows_done=10,
    )


def test_no_page_breaks_the_content_security_policy(page: Page, live_server, demo_world):
    crawl = Crawl(page, live_server.url)
    # An export job's page is reached by the redirect after a large export, not by a link.
    job = ExportJob.objects.get()
    redirected_to = {"admin": [f"{live_server.url}/exports/{job.pk}/"]}
    for username, _why in CRAWLERS:
        user = User.objects.get(username=username)
        sign_in(page, live_server, username, user.display_name)
        before = len(crawl.visited)
        starts = [f"{live_server.url}/", *redirected_to.get(username, [])]
        crawl.walk(starts, MAX_PAGES_PER_PERSON)
        print(f"CSP crawl as {username}: {len(crawl.visited) - before} pages")
        # Every report sent during the last page reaches Python before the next person.
        page.wait_for_timeout(200)
        page.context.clear_cookies()

    paths = {urlsplit(url).path for url in crawl.visited}
    print(f"CSP crawl: {len(crawl.visited)} pages, {len(crawl.violations)} violations")
    assert crawl.violations == []
    assert crawl.script_errors == []
    assert crawl.policy_warnings == set()
    assert crawl.server_errors == []
    assert len(crawl.visited) > MIN_PAGES
    # The pages that had inline code, and the admin, were among them.
    assert any(re.search(r"/print/(en|fr|ar)/$", path) for path in paths)
    assert any(re.fullmatch(r"/exports/\d+/", path) for path in paths)
    assert any(path.startswith("/admin/") and "/change/" in path for path in paths)
    # The progress bars (a style attribute before): a plan's groups, an action point.
    assert any(re.fullmatch(r"/plans/\d+/", path) for path in paths)
    assert any(re.fullmatch(r"/action-points/\d+/", path) for path in paths)


def test_a_violation_would_be_seen(page: Page, live_server, demo_world):
    """The crawl's witness works: an inline handler added to a page is refused and reported."""
    crawl = Crawl(page, live_server.url)
    sign_in(page, live_server, "jad", User.objects.get(username="jad").display_name)
    page.evaluate(
        """() => {
            const div = document.createElement("div");
            div.innerHTML = '<img src="data:," onerror="window.ran = true">';
            document.body.append(div);
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.ran") is None
    assert any(v.get("directive") == "script-src-attr" for v in crawl.violations)


def test_the_print_button_of_a_consent_sheet_prints(page: Page, live_server, demo_world):
    """Its onclick attribute became static/js/print-sheet.js."""
    version = ConsentFormVersion.objects.order_by("pk").first()
    page.add_init_script("window.print = () => { window.printed = true; };")
    sign_in(page, live_server, "jad", User.objects.get(username="jad").display_name)
    page.goto(f"{live_server.url}/consent-versions/{version.pk}/print/en/")
    button = page.get_by_role("button", name="Print")
    expect(button).to_be_visible()
    button.click()
    assert page.evaluate("() => window.printed") is True


def test_an_export_page_follows_its_job(page: Page, live_server, demo_world):
    """static/js/export-job.js, now loaded from the extra_js block, still polls the job."""
    job = ExportJob.objects.get()
    sign_in(page, live_server, "admin", User.objects.get(username="admin").display_name)
    page.goto(f"{live_server.url}/exports/{job.pk}/")
    download = page.get_by_role("link", name="Download the file")
    expect(download).to_be_hidden()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE, rows_done=100)
    expect(download).to_be_visible()
    expect(page.locator("progress[data-job=bar]")).to_have_attribute("value", "100")


def test_back_after_sign_out_shows_nobody_s_page(
    page_with_history: Page, live_server, transactional_db
):
    """On a shared laptop, the next person's back button must not bring the pages back: neither
    from the HTTP cache nor from the back/forward cache (which keeps the page as it was left)."""
    page = page_with_history
    UserFactory(username="alice", first_name="Alice", last_name="Aardvark")
    sign_in(page, live_server, "alice", "Alice Aardvark")
    page.goto(f"{live_server.url}/profile/")
    expect(page.get_by_label("First name")).to_have_value("Alice")
    sign_out(page)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # "commit": a page restored from the back/forward cache fires no load event.
    page.go_back(wait_until="commit")
    # A fresh request, answered by the sign-in page: not the profile from the browser's cache.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/profile/"))
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Aardvark")
    page.go_back(wait_until="commit")  # the home page, the first after signing in
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("body")).not_to_contain_text("Aardvark")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_progress_bar_is_drawn_at_its_value(page: Page, live_server, demo_world, language):
    """The bar's width was a style attribute; it is now an SVG rectangle's width attribute. In
    Arabic it fills from the right."""
    point = ActionPoint.objects.order_by("pk").first()
    ActionPoint.objects.filter(pk=point.pk).update(progress=40)
    admin = User.objects.get(username="admin")
    User.objects.filter(pk=admin.pk).update(language=language)
    sign_in(page, live_server, "admin", admin.display_name)
    page.goto(f"{live_server.url}{point.get_absolute_url()}")
    bar = page.locator(".bar").first
    expect(bar).to_be_visible()
    outer, filled = bar.bounding_box(), bar.locator("rect").bounding_box()
    assert filled["width"] == pytest.approx(0.4 * outer["width"], abs=1.5)
    if language == "ar":
        assert filled["x"] + filled["width"] == pytest.approx(outer["x"] + outer["width"], abs=1.5)
    else:
        assert filled["x"] == pytest.approx(outer["x"], abs=1.5)
    page.screenshot(path=f"/tmp/csp-progress-{language}.png")  # noqa: S108  (for a human)
