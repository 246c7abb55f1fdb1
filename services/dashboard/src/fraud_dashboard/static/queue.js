// The review queue: GET /api/queue one page at a time, filters kept in the address (a filtered
// queue can be shared as a link). Live: GET /api/queue/version each second (a few Redis reads)
// and the queue re-read when it moves (a verdict given in any browser, a new alert, a label), plus
// a slow re-read whatever the version says (a decision that reached Redis a moment before the
// log). Keyboard: Tab reaches the rows, arrow keys move between them, Enter opens the decision.
"use strict";

const PAGE_SIZE = 25;
const VERSION_MS = 1000;
const REFRESH_MS = 15000;
const FILTERS = ["order", "decision", "amount_min", "amount_max", "country", "model_version", "since", "until"];
let cursors = [null]; // cursors[i]: the `after` of page i (null: the first page)
let pageIndex = 0;
let nextCursor = null;
let policyShown = false;
let seenVersion = null;
let loadedAt = 0;

function filtersFromAddress() {
  const query = new URLSearchParams(window.location.search);
  const form = $("filters");
  for (const name of FILTERS) {
    const value = query.get(name);
    if (value === null) continue;
    form.elements[name].value = name === "since" || name === "until" ? value.replace(/Z$/, "") : value;
  }
}

function queryFromForm() {
  const form = $("filters");
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    let value = form.elements[name].value.trim();
    if (!value) continue;
    if (name === "country") value = value.toUpperCase();
    if (name === "since" || name === "until") value = `${value.length === 16 ? `${value}:00` : value}Z`;
    query.set(name, value);
  }
  return query;
}

function cell(label, content, className) {
  const td = el("td", className);
  td.dataset.label = label; // the column's name, shown beside the value on narrow screens
  if (content instanceof Node) td.append(content); else td.textContent = content;
  return td;
}

function row(item) {
  const tr = el("tr", `queued ${item.decision}`);
  tr.tabIndex = 0;
  tr.dataset.id = item.transaction_id;
  const reason = item.reasons_in_words.length ? item.reasons_in_words[0].text : (item.rules[0] || "–");
  const merchant = item.merchant_name === null ? item.merchant_id : item.merchant_name;
  const where = [item.city, item.country].filter(Boolean).join(", ") || "–";
  tr.setAttribute("aria-label", `${item.decision}, score ${item.score.toFixed(3)}, ${moneyBoth(item)} at ${merchant}, ${where}: ${reason}`);
  const when = el("a", null, utc(item.event_time));
  when.href = decisionUrl(item.transaction_id);
  when.tabIndex = -1; // the row is the keyboard stop; the link serves middle-click and copy
  tr.append(
    cell("event time", when, "when"),
    cell("decision", el("span", `badge ${item.decision}`, item.decision)),
    cell("score", item.score.toFixed(3), "number"),
    cell("amount", moneyBoth(item), "number"),
    cell("merchant", merchant, "merchant"),
    cell("where", where),
    cell("top reason", reason, "reason"),
    cell("model", item.model_version, "model"),
  );
  return tr;
}

function openRow(tr) {
  window.location.assign(decisionUrl(tr.dataset.id));
}

function onRowKey(event) {
  const tr = event.target.closest("tr.queued");
  if (!tr) return;
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    openRow(tr);
  } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const next = event.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling;
    if (next) next.focus();
  }
}

function showPolicy(decisions) {
  if (policyShown) return;
  policyShown = true;
  const select = $("decision-filter");
  const chosen = select.value;
  for (const decision of decisions) select.append(new Option(decision, decision));
  select.value = chosen;
}

async function load() {
  loadedAt = Date.now();
  const status = $("queue-status");
  const problem = $("queue-problem");
  const query = queryFromForm();
  query.set("limit", String(PAGE_SIZE));
  if (cursors[pageIndex]) query.set("after", cursors[pageIndex]);
  try {
    const page = await getJson(`/api/queue?${query}`);
    if (!query.has("decision")) showPolicy(page.decisions);
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.id : null;
    const rows = page.items.map(row);
    $("queue-rows").replaceChildren(...rows);
    const again = rows.find((tr) => tr.dataset.id === focused);
    if (again) again.focus(); // a refresh never throws the keyboard user off their row
    nextCursor = page.next;
    problem.hidden = true;
    const shown = rows.length ? `${rows.length} waiting on this page` : "nothing waiting";
    status.textContent = `live · ${shown} · read ${new Date().toISOString().slice(11, 19)} UTC`;
    status.classList.add("on");
  } catch (error) {
    problem.textContent = `Queue unavailable: ${error.message}`;
    problem.hidden = false;
    status.textContent = "not updated";
    status.classList.remove("on");
  }
  $("next-page").disabled = !nextCursor;
  $("previous-page").disabled = pageIndex === 0;
  $("first-page").disabled = pageIndex === 0;
  $("page-number").textContent = `page ${pageIndex + 1}`;
}

// Read before the queue: whatever moved the version is in the page that follows.
let watching = false;
async function watchVersion() {
  if (document.hidden || watching) return; // a slow read is never overtaken by the next one
  watching = true;
  let version = seenVersion;
  try {
    version = (await getJson("/api/queue/version")).version;
  } catch (_) { /* the slow re-read below still runs */ }
  try {
    if (version !== seenVersion || Date.now() - loadedAt >= REFRESH_MS) {
      seenVersion = version;
      await load();
    }
  } finally {
    watching = false;
  }
}

function restart() {
  cursors = [null];
  pageIndex = 0;
  const query = queryFromForm();
  const address = query.toString() ? `?${query}` : window.location.pathname;
  window.history.replaceState(null, "", address);
  load();
}

window.addEventListener("DOMContentLoaded", () => {
  filtersFromAddress();
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); restart(); });
  $("filters").addEventListener("reset", () => setTimeout(restart, 0));
  $("queue-rows").addEventListener("keydown", onRowKey);
  $("queue-rows").addEventListener("click", (event) => {
    const tr = event.target.closest("tr.queued");
    if (tr && !event.target.closest("a")) openRow(tr);
  });
  $("next-page").addEventListener("click", () => {
    if (!nextCursor) return;
    cursors = cursors.slice(0, pageIndex + 1).concat([nextCursor]);
    pageIndex += 1;
    load();
  });
  $("previous-page").addEventListener("click", () => { pageIndex = Math.max(0, pageIndex - 1); load(); });
  $("first-page").addEventListener("click", () => { pageIndex = 0; load(); });
  load();
  setInterval(watchVersion, VERSION_MS);
});
