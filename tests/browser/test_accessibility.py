"""Every page each role can reach, in Chromium over the demo: axe-core finds no serious or critical
violation and no content outside a landmark; at 375 px no page scrolls sideways as a whole (wide
tables scroll inside their own container); at 1280 px the service navigation is one row.

axe-core comes from node_modules (a pinned devDependency in package.json, installed by `npm ci`).
It is added to each page as a Playwright init script, which the browser runs outside the page's
Content-Security-Policy, so the policy served is the production one, unchanged.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from flexhub.core.audit import Actor
from flexhub.core.models import Organisation, User
from flexhub.scenarios.demo_data import DEMO_PASSWORD, demo_create
from flexhub.servicedesk.models import Ticket
from flexhub.servicedesk.services import ticket_raise
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# One demo login of each role, and None for someone signed out.
LOGINS = {
    "signed out": None,
    "authority admin": "co-authority",
    "member admin": "dius-admin",
    "member user": "dius-user",
    "agent": "fj-agent",
    "integrator": "atos-integrator",
}

# Pages no link leads to but a role still meets: the error page, the password reset's second step.
EXTRA_PAGES = {"signed out": ["/accounts/password-reset/sent/"], "member user": ["/no-such-page/"]}

# Files, not pages (PDF, CSV, the API and its docs, which are Swagger's, not ours).
NOT_A_PAGE = re.compile(r"(/pdf/|\.csv$|/csv/|/rejects|/download|^/api/|^/admin/|/accounts/logout/)")
# Detail pages of the same kind differ only in their data: two of each are enough.
SAME_KIND = 2
ID_SEGMENT = re.compile(r"^(\d+|[A-Z][A-Z0-9-]*)$")

FAILING_IMPACTS = {"serious", "critical"}
AXE_RUN = """async (rules) => {
  const options = {resultTypes: ["violations"]};
  if (rules) options.runOnly = {type: "rule", values: rules};
  const results = await axe.run(document, options);
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" ")),
  }));
}"""
# Rules whose outcome changes with the width: a table's container scrolls only when narrow.
NARROW_RULES = ["scrollable-region-focusable", "target-size"]
PAGE_WIDER_THAN_VIEWPORT = "document.documentElement.scrollWidth > document.documentElement.clientWidth"
# On paper every panel must be dark text on white: printers drop background colours.
PANELS_UNREADABLE_IN_PRINT = """() => {
  const luminance = colour => {
    const [r, g, b, a = 1] = colour.match(/[\\d.]+/g).map(Number);
    if (a === 0) return 1;  // transparent: the white page shows through
    const lin = c => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  return [...document.querySelectorAll(".govuk-panel")].flatMap(panel => {
    const problems = luminance(getComputedStyle(panel).backgroundColor) < 0.9 ? ["background not white"] : [];
    for (const el of [panel, ...panel.querySelectorAll("*")]) {
      const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
      if (ownText && luminance(getComputedStyle(el).color) > 0.1) problems.push(`light text in ${el.className || el.tagName}`);
    }
    return problems;
  });
}"""
NAVIGATION_ROWS = """() => new Set(
  [...document.querySelectorAll(".govuk-service-navigation__item")].map(i => Math.round(i.getBoundingClientRect().top))
).size"""


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    pages: int = 0
    minor: Counter[str] = field(default_factory=Counter)  # moderate and minor findings, by rule

    def axe(self, where: str, violations: list[dict]) -> None:
        for v in violations:
            if v["impact"] in FAILING_IMPACTS or v["id"] == "region":
                self.problems.append(f"{where}: {v['id']} ({v['impact']}) {v['help']}: {', '.join(v['targets'][:8])}")
            else:
                self.minor[f"{v['id']} ({v['impact']})"] += len(v["targets"])


def kind_of(path: str, query: str) -> tuple[str, ...]:
    """A page's kind: its path with identifiers blanked, and the names of its query parameters."""
    segments = tuple("*" if ID_SEGMENT.match(s) else s for s in path.split("/"))
    return segments + tuple(sorted({name for name, _ in parse_qsl(query)}))


def audit_page(page, where: str, findings: Findings) -> None:
    """axe at desktop width, the navigation in one row, then at 375 px: no sideways page."""
    findings.pages += 1
    findings.axe(where, page.evaluate(AXE_RUN, None))
    if page.evaluate(NAVIGATION_ROWS) > 1:
        findings.problems.append(f"{where}: the service navigation takes more than one row at 1280 px")
    page.set_viewport_size({"width": 375, "height": 800})
    if page.evaluate(PAGE_WIDER_THAN_VIEWPORT):
        wide = page.evaluate("document.documentElement.scrollWidth")
        findings.problems.append(f"{where}: at 375 px the page is {wide} px wide and scrolls sideways")
    findings.axe(f"{where} at 375 px", page.evaluate(AXE_RUN, NARROW_RULES))
    page.set_viewport_size({"width": 1280, "height": 900})
    if page.locator(".govuk-panel").count():
        page.emulate_media(media="print")
        findings.problems += [f"{where} printed: {p}" for p in page.evaluate(PANELS_UNREADABLE_IN_PRINT)]
        page.emulate_media(media="screen")


def crawl(page, role: str, findings: Findings) -> None:
    """Breadth first from the home page over same-origin links, two pages of each kind."""
    origin = urlsplit(page.url)._replace(path="", query="", fragment="").geturl()
    queue = deque(["/", *EXTRA_PAGES.get(role, [])])
    queued = set(queue)
    kinds: Counter[tuple[str, ...]] = Counter(kind_of(u, "") for u in queue)
    while queue:
        url = queue.popleft()
        response = page.goto(url)
        where = f"{role} {url}"
        if response is None or (response.status >= 400 and url not in EXTRA_PAGES.get(role, [])):
            findings.problems.append(f"{where}: answered {response and response.status}")
            continue
        audit_page(page, where, findings)
        for href in page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.href)"):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != origin or NOT_A_PAGE.search(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            kind = kind_of(parts.path, parts.query)
            if target in queued or kinds[kind] >= SAME_KIND:
                continue
            queued.add(target)
            kinds[kind] += 1
            queue.append(target)


def test_every_page_of_every_role_passes_axe(browser, live_server, settings):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): run `npm ci` (make install) to install the devDependencies")
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    demo_create()
    findings = Findings()
    for role, username in LOGINS.items():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        if username is not None:
            sign_in(
                page,
                username,
                DEMO_PASSWORD,
                at_second_factor=lambda p, role=role: audit_page(p, f"{role} second factor", findings),
            )
        crawl(page, role, findings)
        context.close()
    assert findings.pages > 60, f"the crawl reached only {findings.pages} pages"
    print(f"axe on {findings.pages} pages; moderate and minor findings by rule: {dict(findings.minor)}")
    assert not findings.problems, f"{len(findings.problems)} problems on {findings.pages} pages:\n" + "\n".join(
        findings.problems
    )


LONG_TITLE = "Unbroken" + "x" * 292  # 300 characters with nowhere to break


def test_a_long_unbroken_ticket_title_does_not_widen_the_page(page, world):
    member = Organisation.objects.get(code="MBRA")
    ticket = ticket_raise(
        actor=Actor(user=User.objects.get(username="mbra-user"), label="mbra-user", channel="web"),
        framework=world.frameworks["ONE"],
        member=member,
        kind="incident",
        priority="P3",
        title=LONG_TITLE,
        description="See" + "y" * 600,
    )
    assert Ticket.objects.get(pk=ticket.pk).title == LONG_TITLE
    sign_in(page, "mbra-user")
    for url in ("/tickets/", f"/tickets/{ticket.pk}/"):
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(url)
            assert LONG_TITLE in page.inner_text("main")
            wide = page.evaluate("document.documentElement.scrollWidth")
            screenshot(page, f"long-title-{width}-{url.strip('/').replace('/', '-')}")
            assert not page.evaluate(PAGE_WIDER_THAN_VIEWPORT), f"{url} at {width} px is {wide} px wide"
