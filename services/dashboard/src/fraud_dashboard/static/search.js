// The header's search box: a whole transaction, card or merchant id (GET /api/search), the
// decisions found listed under the box, newest first, each a link to its decision page.
"use strict";

const SEARCH_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const SEARCH_PAGE = 20;
let searchNext = null;

function searchHit(item) {
  const li = el("li", `hit ${item.decision}`);
  const link = el("a", null);
  link.href = decisionUrl(item.transaction_id);
  const merchant = item.merchant_name === null ? item.merchant_id : item.merchant_name;
  link.append(
    el("span", `badge ${item.decision}`, item.decision), document.createTextNode(" "),
    el("span", "hit-merchant", merchant), document.createTextNode(` · ${moneyBoth(item)}`),
  );
  const meta = el("span", "hit-meta", `${utc(item.event_time)} · ${item.matched} id matched · ${item.transaction_id}`);
  li.append(link, meta);
  return li;
}

function showSearch(message, hits, append) {
  const box = $("search-results");
  const list = $("search-hits");
  $("search-message").textContent = message;
  if (append) list.append(...hits); else list.replaceChildren(...hits);
  $("search-more").hidden = !searchNext;
  box.hidden = false;
}

async function runSearch(q, after) {
  const query = new URLSearchParams({ q, limit: String(SEARCH_PAGE) });
  if (after) query.set("after", after);
  try {
    const page = await getJson(`/api/search?${query}`);
    searchNext = page.next;
    const found = after ? $("search-hits").children.length + page.items.length : page.items.length;
    const message = found ? `${found}${searchNext ? "+" : ""} decision${found === 1 ? "" : "s"} for ${q}` : `No decision logged with a transaction, card or merchant id ${q}.`;
    showSearch(message, page.items.map(searchHit), Boolean(after));
  } catch (error) {
    searchNext = null;
    showSearch(`Search failed: ${error.message}`, [], false);
  }
}

function buildSearch(slot) {
  const form = el("form", "search");
  form.setAttribute("role", "search");
  form.id = "search";
  const label = el("label", "visually-hidden", "Search by transaction, card or merchant id");
  label.htmlFor = "search-q";
  const input = el("input");
  Object.assign(input, { id: "search-q", type: "search", name: "q", maxLength: 64, autocomplete: "off", spellcheck: false });
  input.placeholder = "transaction, card or merchant id";
  const button = el("button", null, "Search");
  button.type = "submit";
  const box = el("section", "search-results");
  box.id = "search-results";
  box.hidden = true;
  box.setAttribute("aria-label", "Search results");
  const message = el("p", "hint");
  message.id = "search-message";
  message.setAttribute("role", "status");
  const hits = el("ol", "hits");
  hits.id = "search-hits";
  const more = el("button", "link-button", "more");
  Object.assign(more, { id: "search-more", type: "button", hidden: true });
  box.append(message, hits, more);
  form.append(label, input, button);
  slot.replaceChildren(form, box);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const q = input.value.trim();
    searchNext = null;
    if (!SEARCH_ID.test(q)) {
      showSearch("An id is 1 to 64 letters, digits or _ . : - (a whole id, no wildcards).", [], false);
      return;
    }
    runSearch(q, null);
  });
  more.addEventListener("click", () => { if (searchNext) runSearch(input.value.trim(), searchNext); });
  slot.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { box.hidden = true; input.focus(); }
  });
}

window.addEventListener("DOMContentLoaded", () => {
  const slot = $("search-slot");
  if (slot) buildSearch(slot);
});
