// Search with Pagefind's index (written into pagefind/ by the build); no CDN.
// Enhancement only: without it, the page shows links to every listing instead.
const form = document.getElementById("search-form");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const fallback = document.getElementById("search-fallback");
const DEBOUNCE_MS = 200;
const MAX_RESULTS = 20;
let pagefind = null;
let latest = 0;

async function start() {
  const bundle = new URL(form.dataset.bundle, document.baseURI);
  try {
    pagefind = await import(new URL("pagefind.js", bundle).href);
    await pagefind.options({ basePath: bundle.pathname, baseUrl: form.dataset.base || "/", excerptLength: 30 });
    await pagefind.init();
  } catch (error) {
    fallback.querySelector("p").textContent = "The search index could not be loaded. Every essay can still be reached here:";
    return;
  }
  fallback.hidden = true;
  form.hidden = false;
  const query = new URLSearchParams(location.search).get("q") || "";
  input.value = query;
  if (query) {
    search(query);
  } else {
    input.focus();
  }
  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value, true), DEBOUNCE_MS);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search(input.value, true);
  });
}

async function search(raw, remember) {
  const query = raw.trim();
  const mine = ++latest;
  if (remember) {
    const url = new URL(location.href);
    if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
    history.replaceState(null, "", url);
  }
  if (!query) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  const found = await pagefind.search(query);
  const data = await Promise.all(found.results.slice(0, MAX_RESULTS).map((r) => r.data()));
  if (mine !== latest) return; // a newer query has been typed meanwhile
  const terms = query.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const shown = data.filter((page) => matches(page.excerpt, terms));
  list.replaceChildren(...shown.map(resultItem));
  const n = shown.length;
  status.textContent = n === 0
    ? `No essays match “${query}”.`
    : `${n} ${n === 1 ? "essay matches" : "essays match"} “${query}”${found.results.length > MAX_RESULTS ? ` (the best ${MAX_RESULTS} are shown)` : ""}.`;
}

// When no word starts with a term, Pagefind falls back to much shorter prefixes
// ("tolerating" finds every "to"): keep only results whose highlighted words share
// most of a term's letters (stems such as "decision" for "decisions" still count).
function matches(excerpt, terms) {
  const marked = [...excerpt.matchAll(/<mark>(.*?)<\/mark>/g)].map((m) => m[1].toLowerCase());
  if (marked.length === 0 || terms.length === 0) return true;
  return marked.some((word) => terms.some((term) => common(word, term) >= Math.min(term.length, Math.max(3, Math.ceil(term.length * 0.7)))));
}

function common(a, b) {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return i;
}

function resultItem(page) {
  const item = document.createElement("li");
  item.className = "search-result";
  const meta = page.meta || {};
  if (meta.part) item.append(element("p", "card-kicker", meta.part));
  const heading = element("h2", "essay-card-title");
  const link = element("a", "", meta.title || page.url);
  link.href = page.url;
  heading.append(link);
  item.append(heading);
  if (meta.subtitle) item.append(element("p", "essay-card-subtitle", meta.subtitle));
  const excerpt = element("p", "excerpt");
  excerpt.innerHTML = page.excerpt; // Pagefind's excerpt: escaped page text with <mark> around the matches
  item.append(excerpt);
  if (meta.date) item.append(element("p", "meta", meta.date));
  return item;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

if (form && input && status && list && fallback) start();
