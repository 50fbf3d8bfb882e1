// Search with the index the build writes into search/ (index.json, terms/, text/); no CDN.
// Enhancement only: without it, the page shows links to every listing instead.
//
// index.json lists the essays; terms/<hex>.json holds, for every term starting with the
// two characters <hex> spells, flat [docIndex, weight, ...] pairs; text/<id>.json holds
// an essay's plain text by section, for excerpts. Everything in them is treated as
// untrusted text: the page is built with DOM nodes and textContent only.
const form = document.getElementById("search-form");
const input = document.getElementById("search-input");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const fallback = document.getElementById("search-fallback");
const DEBOUNCE_MS = 200;
const MAX_RESULTS = 20;
const EXCERPT_WORDS = 30;
const EXCERPT_LEAD = 8;        // words shown before the first match
const PREFIX_WEIGHT = 0.6;     // a longer term that starts with the word, against 1 for the word itself
const K1 = 1.2;
const B = 0.75;
const MARKS = /\p{M}/gu;
const TOKENS = /[\p{L}\p{N}]+/gu;
const WORD = /^[\p{L}\p{N}]+$/u;
let index = null;              // {base: URL of index.json, root: URL of the site, docs, avgWords}
const shards = new Map();      // shard key -> Promise of {term: [doc, weight, ...]}
const texts = new Map();       // doc index -> Promise of [[id, heading, text], ...]
let latest = 0;

async function start() {
  try {
    const base = new URL(form.dataset.index, document.baseURI);
    const data = await fetchJSON(base);
    if (!data || data.version !== 1 || !Array.isArray(data.docs)) throw new Error("unknown index format");
    const docs = data.docs.map((doc) => ({
      url: String(doc.url ?? ""), title: String(doc.title ?? ""), kicker: String(doc.kicker ?? ""),
      subtitle: String(doc.subtitle ?? ""), date: String(doc.date ?? ""),
      words: Number(doc.words) > 0 ? Number(doc.words) : 0, text: String(doc.text ?? ""),
    }));
    const avgWords = docs.reduce((sum, doc) => sum + doc.words, 0) / (docs.length || 1);
    const shardFiles = Array.isArray(data.shards) ? new Set(data.shards.map(String)) : null;
    index = { base, root: new URL(form.dataset.root || "./", document.baseURI), docs, avgWords: avgWords || 1, shardFiles };
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
  const words = [...new Set(tokens(query))].filter((word) => length(word) >= 2).map(forms); // each word's forms
  if (words.length === 0) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  let items, total;
  try {
    const found = await rank(words);
    if (mine !== latest) return;
    total = found.length;
    const shown = found.slice(0, MAX_RESULTS);
    const sections = await Promise.all(shown.map((doc) => sectionsOf(doc).catch(() => null)));
    if (mine !== latest) return; // a newer query has been typed meanwhile
    items = shown.map((doc, i) => resultItem(index.docs[doc], sections[i], words));
  } catch (error) {
    if (mine !== latest) return;
    list.replaceChildren();
    status.textContent = "The search could not be completed. Please try again.";
    return;
  }
  list.replaceChildren(...items);
  status.textContent = total === 0
    ? `No essays match “${query}”.`
    : `${total} ${total === 1 ? "essay matches" : "essays match"} “${query}”${total > MAX_RESULTS ? ` (the best ${MAX_RESULTS} are shown)` : ""}.`;
}

// A query word's forms: itself and, for an English plural, its singular ("studies" →
// "study", "movies" → "movie", "boxes" → "box", "volunteers" → "volunteer"). Terms match
// by their start, so longer forms ("volunteering") are found already. Only the plural -s
// is undone: taking off "-ing" or "-ed" too mistakes more words than it helps ("string").
function forms(word) {
  if (length(word) < 4 || !word.endsWith("s") || /(?:ss|us|is)$/.test(word)) return [word];
  const stems = word.endsWith("ies") ? [`${word.slice(0, -3)}y`, word.slice(0, -1)]
    : /(?:ss|sh|ch|x|z)es$/.test(word) ? [word.slice(0, -2)]
    : [word.slice(0, -1)];
  return [word, ...stems.filter((stem) => length(stem) >= 3)];
}

function matches(term, wordForms) {
  return wordForms.some((form) => term.startsWith(form));
}

// The documents holding every word (as a term or the start of one, in any of its forms), best first.
async function rank(words) {
  const n = index.docs.length;
  const perWord = await Promise.all(words.map(async (wordForms) => {
    const held = await Promise.all([...new Set(wordForms.map(shardKey))].map(shardOf));
    const best = new Map(); // doc -> the best score of this word's terms in it
    for (const [term, pairs] of held.flatMap((shard) => Object.entries(shard))) {
      if (!matches(term, wordForms) || !Array.isArray(pairs)) continue;
      const factor = wordForms.includes(term) ? 1 : PREFIX_WEIGHT;
      const df = Math.floor(pairs.length / 2);
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const doc = pairs[i];
        const tf = pairs[i + 1];
        if (!Number.isInteger(doc) || doc < 0 || doc >= n || !(tf > 0)) continue;
        const norm = 1 - B + B * index.docs[doc].words / index.avgWords;
        const score = factor * idf * (tf * (K1 + 1)) / (tf + K1 * norm);
        if (score > (best.get(doc) ?? 0)) best.set(doc, score);
      }
    }
    return best;
  }));
  perWord.sort((a, b) => a.size - b.size);
  const [fewest, ...others] = perWord;
  const found = [];
  for (const [doc, score] of fewest) {
    if (others.every((other) => other.has(doc))) {
      found.push([doc, others.reduce((sum, other) => sum + other.get(doc), score)]);
    }
  }
  found.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return found.map(([doc]) => doc);
}

// The shard holding the terms that start with the word's first two characters
// (fetched once; index.json lists the shards that exist, and a missing one means no such terms).
function shardKey(word) {
  return [...word].slice(0, 2).join("");
}

function shardOf(key) {
  if (!shards.has(key)) {
    const hex = [...new TextEncoder().encode(key)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    if (index.shardFiles && !index.shardFiles.has(hex)) return Promise.resolve({}); // no such terms: no request
    const promise = fetchJSON(new URL(`terms/${hex}.json`, index.base), true).then((data) => (data && typeof data === "object" && !Array.isArray(data) ? data : {}));
    promise.catch(() => shards.delete(key)); // try again with the next query
    shards.set(key, promise);
  }
  return shards.get(key);
}

function sectionsOf(doc) {
  if (!texts.has(doc)) {
    const promise = fetchJSON(new URL(index.docs[doc].text, index.base)).then((data) => (Array.isArray(data?.sections) ? data.sections : [])
      .filter(Array.isArray)
      .map(([id, heading, text]) => [String(id ?? ""), String(heading ?? ""), String(text ?? "")]));
    promise.catch(() => texts.delete(doc));
    texts.set(doc, promise);
  }
  return texts.get(doc);
}

async function fetchJSON(url, missingIsEmpty = false) {
  const response = await fetch(url);
  if (missingIsEmpty && response.status === 404) return {};
  if (!response.ok) throw new Error(`${response.status} ${url}`);
  return response.json();
}

function fold(text) {
  return text.normalize("NFKD").replace(MARKS, "").toLowerCase();
}

function tokens(text) {
  return fold(text).match(TOKENS) ?? [];
}

function length(word) {
  return [...word].length;
}

function resultItem(doc, sections, words) {
  const item = document.createElement("li");
  item.className = "search-result";
  const href = siteURL(doc.url);
  if (doc.kicker) item.append(element("p", "card-kicker", doc.kicker));
  const heading = element("h2", "essay-card-title");
  const link = element("a", "", doc.title || doc.url);
  if (href) link.href = href.href;
  heading.append(link);
  item.append(heading);
  if (doc.subtitle) item.append(element("p", "essay-card-subtitle", doc.subtitle));
  const section = sections && pickSection(sections, words);
  if (section) {
    if (section[2].trim()) item.append(excerpt(section[2], words));
    if (section[0] && section[1] && href) {
      const place = element("p", "search-section", "in ");
      const to = element("a", "", `§ ${section[1]}`);
      const target = new URL(href);
      target.hash = section[0];
      to.href = target.href;
      place.append(to);
      item.append(place);
    }
  }
  if (doc.date) item.append(element("p", "meta", doc.date));
  return item;
}

// An essay's address, from the site root; only addresses on this site are linked.
function siteURL(path) {
  try {
    const url = new URL(path, index.root);
    return url.origin === index.root.origin ? url : null;
  } catch {
    return null;
  }
}

// The section where the most query words occur (the first of equals), else the start of the text.
function pickSection(sections, words) {
  let best = null;
  let most = 0;
  for (const section of sections) {
    const present = new Set(tokens(`${section[1]} ${section[2]}`));
    const count = words.filter((wordForms) => [...present].some((term) => matches(term, wordForms))).length;
    if (count > most) {
      best = section;
      most = count;
    }
  }
  return best ?? sections.find((section) => section[2].trim()) ?? null;
}

// About EXCERPT_WORDS words of the text around its first match, the matches in <mark>.
function excerpt(text, words) {
  const spans = wordSpans(text);
  const hits = spans.map((span) => words.some((wordForms) => matches(span.term, wordForms)));
  const first = Math.max(0, hits.indexOf(true));
  let from = Math.max(0, first - EXCERPT_LEAD);
  const to = Math.min(spans.length, from + EXCERPT_WORDS);
  from = Math.max(0, to - EXCERPT_WORDS);
  const node = element("p", "excerpt");
  if (spans.length === 0) {
    node.textContent = text.trim();
    return node;
  }
  if (from > 0) node.append("… ");
  let at = from > 0 ? spans[from].start : 0;
  for (let i = from; i < to; i++) {
    const span = spans[i];
    if (!hits[i]) continue;
    if (span.start > at) node.append(text.slice(at, span.start));
    node.append(element("mark", "", text.slice(span.start, span.end)));
    at = span.end;
  }
  const end = to < spans.length ? spans[to - 1].end : text.length;
  if (end > at) node.append(text.slice(at, end).trimEnd());
  if (to < spans.length) node.append(" …");
  return node;
}

// The words of a text as folded terms with their place in the text itself. Folding can
// change lengths, so each character is folded on its own to find the places, and a mark
// (which folds to nothing) belongs to the character before it.
function wordSpans(text) {
  let folded = "";
  const starts = [];   // for each code unit of `folded`, where its character starts in `text`
  const ends = [];     // ... and ends, with the marks after it
  let at = 0;
  for (const character of text) {
    const piece = fold(character);
    for (let k = 0; k < piece.length; k++) starts.push(at);
    at += character.length;
    if (piece === "") {
      for (let k = ends.length - 1; k >= 0 && starts[k] === starts[ends.length - 1]; k--) ends[k] = at;
    }
    for (let k = 0; k < piece.length; k++) ends.push(at);
    folded += piece;
  }
  return [...folded.matchAll(TOKENS)].map((match) => {
    const start = starts[match.index];
    const end = ends[match.index + match[0].length - 1];
    const whole = fold(text.slice(start, end)); // as the whole text folds (a last Σ becomes ς)
    return { term: WORD.test(whole) ? whole : match[0], start, end };
  });
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

if (form && input && status && list && fallback) start();
export { fold, forms, tokens }; // for the tests: the index folds words exactly like this (essaygen/search.py)
