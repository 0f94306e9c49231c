"""Headless Chromium (Debian's package, driven by Playwright) looking at the demo like a visitor.

It logs in to Home Assistant through the login page with the credentials the demo
prints, and may reach only loopback addresses.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page, Route, ViewportSize, async_playwright

from .children import DemoError

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT: ViewportSize = {"width": 1600, "height": 1000}
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})

_WALK = """
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.textContent.trim();
      if (text) parts.push(text);
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) {
      return;
    }
    if (node.localName === 'style' || node.localName === 'script') return;
    if (node.shadowRoot) {  // its light children show only where its slots put them
      walk(node.shadowRoot);
      return;
    }
    const slotted = node.localName === 'slot' ? node.assignedNodes() : [];
    for (const child of slotted.length ? slotted : node.childNodes) walk(child);
  };
"""
"""JavaScript: ``walk(node)`` collects the visible text below ``node`` into ``parts``."""

DEEP_TEXT = f"""() => {{{_WALK}
  walk(document.body);
  return parts.join('\\n');
}}"""
"""JavaScript: the visible text of the page, through every (open) shadow root."""

CARDS = f"""() => {{{_WALK}
  const text = (el) => {{ parts.length = 0; walk(el); return [...parts]; }};
  const found = [];
  const visit = (root) => {{
    for (const el of root.querySelectorAll('*')) {{
      if (el.localName === 'hui-heading-card') found.push(['heading', text(el)]);
      else if (el.localName === 'hui-tile-card') found.push(['tile', text(el)]);
      else if (el.localName === 'hui-markdown-card') found.push(['markdown', text(el)]);
      else if (el.shadowRoot) visit(el.shadowRoot);
    }}
  }};
  visit(document);
  return found;
}}"""
"""JavaScript: ``[kind, lines]`` of every heading, tile and markdown card, in page order."""


def chromium_path() -> str:
    """Debian's Chromium (``TOOLBOX_EXTRA=chromium`` in the toolbox), or raise."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise DemoError(
        "Chromium is not installed: run scripts/setup, which adds Debian's chromium to the "
        "toolbox (without the toolbox: apt-get install chromium)"
    )


async def _loopback_only(route: Route) -> None:
    host = urlsplit(route.request.url).hostname or ""
    if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
        await route.continue_()
    else:
        await route.abort("blockedbyclient")


@asynccontextmanager
async def browser_context() -> AsyncIterator[BrowserContext]:
    """A fresh headless Chromium profile that may reach only loopback addresses."""
    with tempfile.TemporaryDirectory(prefix="stepheybot-chromium-") as profile:
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                profile,
                executable_path=chromium_path(),
                args=list(CHROMIUM_ARGS),
                headless=True,
                viewport=VIEWPORT,
                locale="en-US",
                timezone_id="UTC",
                color_scheme="light",
            )
            try:
                await context.route("**/*", _loopback_only)
                yield context
            finally:
                await context.close()


async def log_in(page: Page, url: str, username: str, password: str) -> None:
    """Open ``url`` of Home Assistant through its login page; stay logged in (whole context)."""
    await page.goto(url, wait_until="domcontentloaded")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(password)
    await page.get_by_role("checkbox").check()  # "Keep me logged in": other pages share it
    await page.get_by_role("button", name="Log in").click()
    await page.locator("home-assistant-main").wait_for(state="attached", timeout=60_000)


async def deep_text(page: Page) -> str:
    """The text the page shows, shadow DOM included."""
    text: str = await page.evaluate(DEEP_TEXT)
    return text


async def tiles_by_section(page: Page) -> dict[str, dict[str, str]]:
    """What the dashboard shows: section heading -> tile name -> state (``""``: none shown)."""
    cards: list[tuple[str, list[str]]] = await page.evaluate(CARDS)
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for kind, lines in cards:
        if kind == "heading":
            current = sections.setdefault(" ".join(lines), {})
        elif kind == "tile" and lines:
            current[lines[0]] = " ".join(lines[1:])
    return sections


async def markdown_cards(page: Page) -> dict[str, str]:
    """The dashboard's markdown cards: title (first line) -> the rest of their text."""
    cards: list[tuple[str, list[str]]] = await page.evaluate(CARDS)
    return {lines[0]: " ".join(lines[1:]) for kind, lines in cards if kind == "markdown" and lines}


async def open_dashboard(context: BrowserContext, dashboard_url: str, heading: str) -> Page:
    """Open the dashboard and wait until ``heading`` (a section heading) has rendered."""
    page = await context.new_page()
    await page.goto(dashboard_url, wait_until="domcontentloaded")
    await page.get_by_text(heading, exact=True).first.wait_for(timeout=60_000)
    return page


async def screenshot(page: Page, path: Path, *, whole: bool = True, max_height: int = 4000) -> None:
    """Save a PNG of the page; ``whole`` grows the window to the page's height first.

    Growing the window (rather than a full-page capture) keeps fixed parts such as
    Home Assistant's sidebar as tall as the page.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if whole:
        size = page.viewport_size or VIEWPORT
        height = await page.evaluate("document.documentElement.scrollHeight")
        await page.set_viewport_size({"width": size["width"], "height": min(height, max_height)})
        await page.wait_for_timeout(1000)
    png = await page.screenshot(animations="disabled")
    # A few hundred kB written at once; Playwright's own path= would start an executor thread.
    path.write_bytes(png)  # noqa: ASYNC240
