"""The lab theme in a real browser: Debian's Chromium driven by Playwright.

The sample site is built (as of today, at launch, and with drafts), served over
http on 127.0.0.1, and read as a reader would: following a series, citations and
their back-links, searching, on a phone and on a wide screen, light and dark,
printed, and checked by axe-core for accessibility. Screenshots of every page type
go to tests/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser.sitekit import (
    AXE_JS, CHROMIUM, CHROMIUM_ARGS, LAUNCH, PAGE_TYPES, SCREENSHOTS, TODAY, build_sample, serve,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (pip install -e '.[test]')")

SCHEMES = ("light", "dark")
UNIQUE_RELEASED_WORD = ("laboratory", "What is the Q Improvement Lab?")   # only in part 1
UNIQUE_EMBARGOED_WORD = "tolerating"                                     # only in part 5 (August)
EMBARGOED_SLUGS = ("achieving-impact", "ways-of-working", "evaluation/")


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def today_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample(tmp_path_factory.mktemp("today"), TODAY)


@pytest.fixture(scope="module")
def launch_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample(tmp_path_factory.mktemp("launch"), LAUNCH)


@pytest.fixture(scope="module")
def drafts_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample(tmp_path_factory.mktemp("drafts"), TODAY, drafts=True)


@pytest.fixture(scope="module")
def today(today_out: Path) -> Iterator[str]:
    with serve(today_out) as url:
        yield url


@pytest.fixture(scope="module")
def launch(launch_out: Path) -> Iterator[str]:
    with serve(launch_out) as url:
        yield url


@pytest.fixture(scope="module")
def drafts(drafts_out: Path) -> Iterator[str]:
    with serve(drafts_out) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Tab:
    """A page that records console errors, script errors and any request off this machine."""

    def __init__(self, browser, **context_options) -> None:
        self.context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context_options})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.offsite: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1:", "data:", "blob:")) else self.offsite.append(r.url))

    def close(self) -> None:
        self.context.close()

    def assert_clean(self, allow_404: bool = False) -> None:
        errors = [e for e in self.errors if not (allow_404 and "404" in e)]
        assert not errors, errors
        assert not self.offsite, f"requests left the site (no CDN allowed): {self.offsite}"


@pytest.fixture
def tab(browser) -> Iterator[Tab]:
    t = Tab(browser)
    yield t
    t.close()


def open_tab(browser, request: pytest.FixtureRequest, **options) -> Tab:
    t = Tab(browser, **options)
    request.addfinalizer(t.close)
    return t


# ------------------------------------------------------------ reading flows

def test_reader_follows_series_citation_and_back(today: str, tab: Tab) -> None:
    page = tab.page
    page.goto(today)
    assert page.locator("h1").inner_text() == "The Lab Essays"
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Series").click()
    page.wait_for_url(re.compile(r"/series/lab-essays/$"))
    page.get_by_role("link", name="What is the Q Improvement Lab?").first.click()
    page.wait_for_url(re.compile(r"/essays/what-is-the-q-lab/$"))
    assert "Part 1 of 6" in page.locator(".essay-header .kicker").text_content()

    citation = page.locator(".citation a[role='doc-biblioref']").first
    target = citation.get_attribute("href")
    assert target and target.startswith("#ref-")
    citation.click()
    page.wait_for_url(re.compile(re.escape(target) + "$"))
    entry = page.locator(f"li{target}")
    assert entry.is_visible()
    assert entry.evaluate("e => e.matches(':target')")

    backlink = entry.locator("[role='doc-backlink']").first
    back = backlink.get_attribute("href")
    backlink.click()
    page.wait_for_url(re.compile(re.escape(back) + "$"))
    assert page.locator(back).evaluate("e => e.matches(':target') && e.classList.contains('citation')")
    assert page.locator(back).is_visible()

    page.get_by_role("navigation", name=re.compile("Previous and next")).get_by_role("link", name=re.compile("Next")).click()
    page.wait_for_url(re.compile(r"/essays/learning-and-insights/$"))
    assert "Part 2 of 6" in page.locator(".essay-header .kicker").text_content()
    tab.assert_clean()


def test_citation_popover_works_without_javascript(today: str, browser, request: pytest.FixtureRequest) -> None:
    page = open_tab(browser, request, java_script_enabled=False).page
    page.goto(today + PAGE_TYPES["essay"])
    ref = page.locator(".citation-ref").first
    tip = ref.locator(".citation-tip")
    assert not tip.is_visible()
    ref.locator("a").hover()
    assert tip.is_visible()
    assert "Dennis" in tip.inner_text() or tip.inner_text().strip()
    page.mouse.move(0, 0)
    assert not tip.is_visible()
    ref.locator("a").focus()
    assert tip.is_visible(), "the popover must show on keyboard focus"


def test_citation_popover_escape_and_stays_in_window(today: str, browser, request: pytest.FixtureRequest) -> None:
    tab = open_tab(browser, request)
    page = tab.page
    page.goto(today + PAGE_TYPES["essay-chart"])
    for link in page.locator(".citation-ref > a").all():
        link.focus()
        box = link.locator("xpath=..").locator(".citation-tip").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
    link = page.locator(".citation-ref > a").first
    link.focus()
    tip = link.locator("xpath=..").locator(".citation-tip")
    assert tip.is_visible()
    page.keyboard.press("Escape")
    assert not tip.is_visible(), "Escape dismisses the popover (WCAG 1.4.13)"
    tab.assert_clean()


def test_unknown_address_gets_the_404_page(today: str, tab: Tab) -> None:
    response = tab.page.goto(today + "essays/no-such-essay/")
    assert response and response.status == 404
    assert tab.page.locator("h1").inner_text() == "Page not found"
    # Root-relative links: the stylesheet loads at any depth.
    assert tab.page.evaluate("getComputedStyle(document.body).fontFamily").lower() != "times new roman"
    tab.page.get_by_role("link", name=re.compile("^All essays")).click()
    tab.page.wait_for_url(re.compile(r"/essays/$"))
    tab.assert_clean(allow_404=True)


def test_skip_link_and_visible_focus(today: str, tab: Tab) -> None:
    page = tab.page
    page.goto(today + PAGE_TYPES["essay"])
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("e => e === document.activeElement")
    box = skip.bounding_box()
    assert box and box["y"] >= 0, "the skip link is on screen when focused"
    assert skip.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    focused = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; })()")
    assert focused[0] != "none" and focused[1] != "0px", focused


def test_landmarks_lang_and_favicon(today: str, tab: Tab) -> None:
    page = tab.page
    for path in PAGE_TYPES.values():
        page.goto(today + path)
        assert page.evaluate("document.documentElement.lang") == "en-GB"
        assert page.locator("header.site-header").count() == 1 and page.locator("main#main").count() == 1
        assert page.locator("body > footer.site-footer").count() == 1
        assert page.locator("h1").count() == 1, path
        assert page.evaluate("fetch(document.querySelector('link[rel=icon]').href).then(r => r.ok)"), f"favicon of {path}"
    tab.assert_clean()


def test_toc_is_sticky_on_wide_screens(today: str, tab: Tab) -> None:
    page = tab.page
    page.goto(today + PAGE_TYPES["essay-chart"])
    toc = page.locator("nav.toc")
    assert toc.is_visible()
    page.mouse.wheel(0, 2500)
    page.wait_for_function("window.scrollY > 2000")
    box = toc.bounding_box()
    assert box and 0 <= box["y"] < 60, f"the contents stay in view while reading: {box}"
    body = page.locator(".essay-body").bounding_box()
    assert box["x"] > body["x"] + body["width"], "the contents sit beside the text"


def test_measure_is_60_to_75_characters(today: str, browser, request: pytest.FixtureRequest) -> None:
    for width in (1280, 1920, 768):
        page = open_tab(browser, request, viewport={"width": width, "height": 900}).page
        page.goto(today + PAGE_TYPES["essay-chart"])
        per_line = page.evaluate("""() => {
            const ps = [...document.querySelectorAll('.essay-body > p')].filter(p => p.textContent.length > 600);
            return ps.map(p => {
                const lines = Math.round(p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight));
                return p.innerText.length / (lines - 0.5);
            });
        }""")
        assert per_line, "a long paragraph to measure"
        average = sum(per_line) / len(per_line)
        assert 60 <= average <= 75, f"{width}px: {average:.1f} characters a line"


def test_no_javascript_needed_to_read(today: str, browser, request: pytest.FixtureRequest) -> None:
    page = open_tab(browser, request, java_script_enabled=False).page
    page.goto(today + PAGE_TYPES["essay-chart"])
    assert page.locator(".essay-body p").first.is_visible()
    assert page.locator("figure.chart svg.chart-svg:not(.chart-narrow)").first.is_visible()
    assert page.locator(".references li").first.is_visible()
    page.goto(today + PAGE_TYPES["search"])
    assert page.locator("#search-fallback").is_visible(), "without JS the search page says so and links to the listings"
    assert not page.locator("#search-form").is_visible()
    assert page.locator("#search-fallback a[href]").count() >= 3


# ------------------------------------------------------------------- search

def test_the_browser_splits_and_folds_words_as_the_index_does(today: str, today_out: Path, tab: Tab) -> None:
    """search.js must turn a query into exactly the terms essaygen/search.py indexed."""
    from essaygen.search import terms_of

    texts = [t for p in sorted((today_out / "search" / "text").glob("*.json")) for s in json.loads(p.read_text())["sections"] for t in s[1:]]
    texts += ["Élan CAFÉ ﬁne", "cafe\u0301s", "Ωmega жук 東京", "½ ™ ǅ x", "snake_case 2,666 people’s “peer”"]
    page = tab.page
    page.goto(today)
    got = page.evaluate("""async (texts) => {
        const m = await import(new URL('assets/search.js', location.href).href);
        return texts.map(t => m.tokens(t).filter(w => [...w].length >= 2));
    }""", texts)
    assert len(texts) > 50
    assert got == [terms_of(t) for t in texts]
    tab.assert_clean()


def test_search_finds_an_essay_and_reaches_it(today: str, tab: Tab) -> None:
    page = tab.page
    page.goto(today)
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Search").click()
    page.wait_for_url(re.compile(r"/search/$"))
    word, title = UNIQUE_RELEASED_WORD
    box = page.get_by_role("searchbox", name="Search the essays")
    box.fill(word)
    box.press("Enter")
    results = page.locator("#search-results > li")
    results.first.wait_for()
    assert results.count() == 1
    assert page.locator("#search-status").inner_text().startswith("1 essay matches")
    assert page.locator("#search-results mark").first.inner_text().lower() == word
    assert "q=" + word in page.url, "the query is kept in the address, for back and sharing"
    assert results.first.locator(".card-kicker").inner_text().lower() == "part 1 of 6"
    assert results.first.locator(".meta").inner_text() == "30 May 2018"
    # The excerpt's section: "in § Heading", linked to that heading in the essay.
    section = results.first.locator(".search-section a")
    assert section.count() == 1
    assert results.first.locator(".search-section").inner_text() == "in " + section.inner_text()
    assert section.inner_text().startswith("§ "), section.inner_text()
    heading = section.inner_text().removeprefix("§ ")
    href = section.get_attribute("href") or ""
    assert re.search(r"/essays/what-is-the-q-lab/#[\w-]+$", href), href
    results.first.get_by_role("link", name=title).click()
    page.wait_for_url(re.compile(r"/essays/what-is-the-q-lab/$"))
    page.go_back()
    page.locator("#search-results > li").first.wait_for()
    assert page.get_by_role("searchbox").input_value() == word
    page.locator("#search-results .search-section a").first.click()
    page.wait_for_url(re.compile(r"/essays/what-is-the-q-lab/#[\w-]+$"))
    target = page.locator(":target")
    assert re.fullmatch(r"H[2-6]", target.evaluate("e => e.tagName"))
    assert target.inner_text() == heading
    in_section = target.evaluate("""h => {
        let text = "";
        for (let e = h.nextElementSibling; e && !/^H[2-6]$/.test(e.tagName); e = e.nextElementSibling) text += e.textContent;
        return text.toLowerCase();
    }""")
    assert word in in_section, "the linked section holds the word the excerpt shows"
    tab.assert_clean()


PLURALS = {  # query word -> its forms in search.js: itself, and the singular's
    "volunteers": ["volunteers", "volunteer"], "studies": ["studies", "study", "studie"],
    "movies": ["movies", "movy", "movie"], "boxes": ["boxes", "box"], "churches": ["churches", "church"],
    "classes": ["classes", "class"], "ties": ["ties", "tie"], "peers": ["peers", "peer"],
    "process": ["process"], "status": ["status"], "analysis": ["analysis"], "gas": ["gas"], "peer": ["peer"],
}


def test_a_plural_query_also_finds_the_singular(today: str, today_out: Path, tab: Tab) -> None:
    """"volunteers" finds an essay that says only "volunteer": the query's plural -s is
    undone in the browser (the index holds words as written)."""
    page = tab.page
    page.goto(today)
    got = page.evaluate("""async (words) => {
        const m = await import(new URL('assets/search.js', location.href).href);
        return Object.fromEntries(words.map(w => [w, m.forms(w)]));
    }""", list(PLURALS))
    assert got == PLURALS
    terms = {t for p in (today_out / "search" / "terms").glob("*.json") for t in json.loads(p.read_text())}
    # A word written only in the singular: no indexed term starts with its plural.
    word = next(t for t in sorted(terms) if len(t) >= 6 and t.isalpha() and not t.endswith("s")
                and not any(other.startswith(t + "s") for other in terms))
    counts = []
    for query in (word, word + "s"):
        page.goto(today + PAGE_TYPES["search"] + "?q=" + query)
        page.locator("#search-results > li").first.wait_for()
        counts.append(page.locator("#search-results > li").count())
        assert page.locator("#search-results mark").first.inner_text().lower().startswith(word), query
    assert counts[0] == counts[1] >= 1, (word, counts)
    tab.assert_clean()


def test_search_index_holds_only_released_essays(launch: str, launch_out: Path, tab: Tab) -> None:
    released = ["essays/decision-making/", "essays/learning-and-insights/", "essays/what-is-the-q-lab/"]
    index = json.loads((launch_out / "search" / "index.json").read_text())
    assert index["version"] == 1
    assert sorted(doc["url"] for doc in index["docs"]) == released, "three released essays, no listing pages"
    files = [path for path in (launch_out / "search").rglob("*") if path.is_file()]
    assert len([p for p in files if p.parent.name == "text"]) == 3
    assert any(p.parent.name == "terms" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in (UNIQUE_EMBARGOED_WORD, *EMBARGOED_SLUGS):
            assert secret.encode() not in data, f"{secret!r} is in {path.relative_to(launch_out)}"
    page = tab.page
    page.goto(launch + "search/?q=" + UNIQUE_EMBARGOED_WORD)
    page.wait_for_function("document.getElementById('search-status').textContent.length > 0")
    assert page.locator("#search-results > li").count() == 0
    assert page.locator("#search-status").inner_text().startswith("No essays match")
    page.goto(launch + "search/?q=" + UNIQUE_RELEASED_WORD[0])
    page.locator("#search-results > li").first.wait_for()
    assert page.locator("#search-results > li").count() == 1
    served = page.evaluate("""async () => {
        const form = document.getElementById('search-form');
        const index = await (await fetch(new URL(form.dataset.index, document.baseURI))).json();
        return index.docs.map(d => d.url).sort();
    }""")
    assert served == released
    tab.assert_clean()


# ------------------------------------------------------------- accessibility

def _axe(page) -> list[dict]:
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is not installed at {AXE_JS} (make test installs it: npm install --prefix .venv/node axe-core@4)")
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => { const r = await axe.run(document); return {violations: r.violations, passes: r.passes.length}; }")
    assert result["passes"] > 20, "axe ran its rules"
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [(n["target"], n.get("failureSummary", "")[:300]) for n in v["nodes"][:5]]}
        for v in result["violations"]
    ]


AXE_PAGES = [(name, "today") for name in PAGE_TYPES] + [("home", "launch"), ("series", "launch"), ("essay-chart", "launch"), ("essay-draft", "drafts"), ("home", "drafts")]
DRAFT_PATHS = {"essay-draft": "essays/draft-note/"}


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(("name", "build"), AXE_PAGES, ids=[f"{n}-{b}" for n, b in AXE_PAGES])
def test_axe_reports_no_violations(name: str, build: str, scheme: str, browser, request: pytest.FixtureRequest) -> None:
    base = request.getfixturevalue(build)
    tab = open_tab(browser, request, color_scheme=scheme)
    page = tab.page
    page.goto(base + DRAFT_PATHS.get(name, PAGE_TYPES.get(name, "")))
    if name == "search":
        page.get_by_role("searchbox").fill("peer decisions")   # results with and without a section link
        page.locator("#search-results > li .search-section a").first.wait_for()
    if name in ("essay", "essay-chart", "essay-draft"):
        page.locator(".citation-ref > a").first.focus()   # an open popover is checked too
    violations = _axe(page)
    assert not violations, json.dumps(violations, indent=1)
    tab.assert_clean()


@pytest.mark.parametrize("width", [320, 375])
def test_no_horizontal_scroll_on_phones(width: int, today: str, browser, request: pytest.FixtureRequest) -> None:
    page = open_tab(browser, request, viewport={"width": width, "height": 740}).page
    wide = {}
    for name, path in PAGE_TYPES.items():
        page.goto(today + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            wide[name] = overflow
    assert not wide, f"pages wider than {width}px (px too wide): {wide}"


@pytest.mark.parametrize("width", [320, 375, 576, 800, 1280])
def test_chart_labels_stay_legible_on_every_screen(width: int, today: str, browser, request: pytest.FixtureRequest) -> None:
    """One drawing of each chart shows (the copy for phones below 36rem, else the wide
    one), and its smallest labels (12 px in the drawing) show at 10 px or more."""
    page = open_tab(browser, request, viewport={"width": width, "height": 900}).page
    page.goto(today + PAGE_TYPES["essay-chart"])
    shown = page.evaluate("""() => [...document.querySelectorAll('figure.chart')].map(figure =>
        [...figure.querySelectorAll('svg.chart-svg')]
            .filter(svg => getComputedStyle(svg).display !== 'none')
            .map(svg => ({narrow: svg.classList.contains('chart-narrow'),
                          scale: svg.getBoundingClientRect().width / svg.viewBox.baseVal.width})))""")
    assert shown and all(len(drawings) == 1 for drawings in shown), shown
    narrow = width <= 576  # 36rem
    assert all(d[0]["narrow"] == narrow for d in shown), (width, shown)
    smallest = min(12 * d[0]["scale"] for d in shown)
    assert smallest >= 10, f"labels drawn at 12 px show at {smallest:.1f} px on a {width}px screen"


def test_dark_scheme_follows_the_reader(today: str, browser, request: pytest.FixtureRequest) -> None:
    colours = {}
    for scheme in SCHEMES:
        page = open_tab(browser, request, color_scheme=scheme).page
        page.goto(today)
        colours[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert colours["light"] != colours["dark"]
    dark = [int(c) for c in re.findall(r"\d+", colours["dark"])[:3]]
    assert max(dark) < 60, colours


# -------------------------------------------------------------------- print

def test_print_hides_navigation_and_prints_urls(today: str, tab: Tab) -> None:
    page = tab.page
    page.goto(today + PAGE_TYPES["essay-chart"])
    page.emulate_media(media="print")
    for selector in (".site-nav", ".site-header", ".site-footer", "nav.toc", "nav.pager", ".series-nav", ".skip-link"):
        assert not page.locator(selector).first.is_visible(), f"{selector} is printed"
    assert page.locator(".references li").first.is_visible()
    assert page.locator(".cite-text").is_visible()
    external = page.locator(".prose a[href^='http'], .references a[href^='http']:not([href^='https://doi.org/'])")
    if external.count():
        after = external.first.evaluate("a => getComputedStyle(a, '::after').content")
        assert "http" in after, after
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF"


# --------------------------------------------------------------- screenshots

@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots(width: int, scheme: str, today: str, launch: str, browser, request: pytest.FixtureRequest) -> None:
    """Not a check: pictures of every page type for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = open_tab(browser, request, viewport={"width": width, "height": 900}, color_scheme=scheme).page
    shots = [(name, today + path) for name, path in PAGE_TYPES.items()] + [("home-launch", launch), ("series-launch", launch + PAGE_TYPES["series"])]
    for name, url in shots:
        page.goto(url)
        if name == "search":
            page.get_by_role("searchbox").fill("peer support")
            page.locator("#search-results > li").first.wait_for()
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
    assert len(list(SCREENSHOTS.glob(f"*-{width}-{scheme}.png"))) >= len(shots)
