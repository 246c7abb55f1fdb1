// Live dashboard. Every value from the server is inserted with textContent, never as HTML.
"use strict";

const COLOURS = ["#2dd4bf", "#fbbf24", "#f87171"]; // approve, review, block
const DECISIONS = ["approve", "review", "block"];
const FADE_MS = [8000, 30000, 45000]; // alerts stay visible longer than approvals
const MAX_POINTS = 6000;
const MAX_ALERTS = 100;

const points = [];
const alertIds = new Set();
let world = null;

// --- map ------------------------------------------------------------------------------------
const WORLD_BOUNDS = { north: 84, south: -58, west: -180, east: 180 }; // no customers further
let frame = null;

function drawLand() {
  const canvas = $("land");
  const [width, height] = sizeCanvas(canvas);
  frame = makeFrame(width, height, WORLD_BOUNDS);
  drawLandOn(canvas, frame, world);
}

function drawPoints() {
  const canvas = $("points");
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  const now = performance.now();
  const radius = Math.max(1.5, width / 500);
  ctx.clearRect(0, 0, width, height);
  while (points.length && now - points[0].born > FADE_MS[2]) points.shift();
  if (!frame) { requestAnimationFrame(drawPoints); return; }
  for (const p of points) {
    const alpha = 1 - (now - p.born) / FADE_MS[p.decision];
    if (alpha <= 0) continue;
    const [x, y] = frame.project(p.lat, p.lon);
    ctx.globalAlpha = alpha;
    ctx.fillStyle = COLOURS[p.decision];
    ctx.beginPath();
    ctx.arc(x, y, p.decision ? radius * 1.8 : radius, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  canvas.dataset.points = String(points.length);
  requestAnimationFrame(drawPoints);
}

function addPoints(batch) {
  const born = performance.now();
  for (const [lat, lon, decision, amount] of batch) {
    points.push({ lat, lon, decision, amount, born });
  }
  if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
}

// --- figures --------------------------------------------------------------------------------
function percent(value) {
  return value === null || value === undefined ? "–" : `${(value * 100).toFixed(2)} %`;
}

function showSummary(s) {
  $("tps").textContent = Number(s.tps).toFixed(0);
  $("block-rate").textContent = percent(s.block_rate);
  $("review-rate").textContent = percent(s.review_rate);
  showBlocked(s);
  $("total").textContent = Number(s.transactions).toLocaleString();
  $("model-version").textContent = s.model_version || "–";
  const when = s.world_time ? s.world_time.slice(0, 16).replace("T", " ") + " UTC" : "–";
  const speed = s.world_speed ? ` · ×${Math.round(s.world_speed).toLocaleString()}` : "";
  $("world").textContent = `world time ${when}${speed}`;
  const p99 = s.latency_p99_ms, budget = s.latency_budget_ms;
  showLatency(s.latency_p50_bucket_ms, s.latency_p99_bucket_ms);
  $("latency-budget").textContent = `budget ${budget} ms (p99)`;
  const bar = $("latency-bar");
  const share = p99 === null ? 0 : Math.min(1, p99 / budget);
  bar.style.width = `${(share * 100).toFixed(0)}%`;
  bar.classList.toggle("over", p99 !== null && p99 > budget);
  $("quality").textContent = s.precision === null ? "–" : `${percent(s.precision)} / ${percent(s.recall)}`;
  $("labels").textContent = s.labels ? `${s.labels.toLocaleString()} labels so far` : "no labels yet";
}

// A histogram only knows which bucket a percentile falls in: show its bound as "≤", and the
// bucket itself, so 250 never reads as a measured 250.0.
function ms(value) {
  return value >= 1000 ? `${(value / 1000).toLocaleString()} s` : `${value.toLocaleString()} ms`;
}

function atMost(bucket) {
  if (!bucket) return "–";
  return bucket[1] === null ? `> ${ms(bucket[0])}` : `≤ ${ms(bucket[1])}`;
}

function bucketText(bucket) {
  if (!bucket) return "–";
  const [low, high] = bucket;
  if (high === null) return `over ${ms(low)}`;
  if (high < 1000) return `${low.toLocaleString()}–${ms(high)}`; // one unit: "2–3 ms"
  return low >= 1000 ? `${(low / 1000).toLocaleString()}–${ms(high)}` : `${ms(low)}–${ms(high)}`;
}

function showLatency(p50, p99) {
  $("latency").textContent = p50 ? `${atMost(p50)} / ${atMost(p99)}` : "–";
  $("latency-buckets").textContent = p50 ? `histogram buckets: p50 ${bucketText(p50)}, p99 ${bucketText(p99)}` : "";
}

function showBlocked(s) {
  const currency = s.reporting_currency || "EUR";
  $("blocked-amount").textContent = money(s.blocked_amount, currency);
  const apart = Object.entries(s.blocked_unconverted || {}).map(([c, v]) => money(v, c));
  $("blocked-note").textContent = apart.length
    ? `all currencies in ${currency} at the world's rates, plus ${apart.join(", ")} (no rate)`
    : `all currencies in ${currency} at the world's rates`;
}

// --- alerts ---------------------------------------------------------------------------------
function addAlert(a) {
  if (alertIds.has(a.id)) return;
  alertIds.add(a.id);
  const list = $("alerts");
  const item = el("li");
  const button = el("button", `alert ${a.decision}`);
  button.type = "button";
  button.dataset.id = a.id;
  const top = el("span", "top");
  top.append(el("span", "merchant", a.merchant), el("span", "amount", money(a.amount, a.currency)));
  const meta = el("span", "meta");
  meta.append(el("span", `badge ${a.decision}`, a.decision), document.createTextNode(` ${a.city}, ${a.country} · ${[...a.reasons, ...a.rules].slice(0, 3).join(", ")}`));
  button.append(top, el("br"), meta);
  button.setAttribute("aria-label", `${a.decision} ${money(a.amount, a.currency)} at ${a.merchant}, ${a.country}`);
  button.addEventListener("click", () => openDetails(a.id, button));
  item.append(button);
  list.prepend(item);
  while (list.children.length > MAX_ALERTS) {
    const last = list.lastElementChild;
    alertIds.delete(last.firstElementChild.dataset.id);
    last.remove();
  }
}

function table(rows) {
  const t = el("table");
  for (const [key, value] of rows) {
    const tr = el("tr");
    tr.append(el("th", null, key), el("td", null, value));
    t.append(tr);
  }
  return t;
}

async function openDetails(id, opener) {
  const dialog = $("details");
  const body = $("details-body");
  body.replaceChildren(el("p", null, "loading…"));
  dialog.showModal();
  try {
    const response = await fetch(`/api/alerts/${encodeURIComponent(id)}`);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const r = await response.json();
    const tx = r.transaction;
    $("details-title").textContent = `${r.decision} · ${tx.merchant_name}`;
    const features = Object.entries(r.features).map(([k, v]) => [k, Number(v).toFixed(4)]);
    const timings = Object.entries(r.timings).map(([k, v]) => [k, `${Number(v).toFixed(2)} ms`]);
    const page = el("a", "open-decision", "Open the decision page (history, map, reasons in words)");
    page.href = decisionUrl(tx.transaction_id);
    body.replaceChildren(
      page,
      table([
        ["transaction", tx.transaction_id], ["amount", money(tx.amount, tx.currency)],
        ["merchant", `${tx.merchant_name} (${tx.merchant_category})`], ["where", `${tx.city}, ${tx.country}`],
        ["channel", tx.channel], ["card", tx.card_id], ["time", tx.event_time],
        ["score", Number(r.score).toFixed(4)], ["model", r.model_version],
      ]),
      el("h3", null, "Reasons"), el("p", "reasons", r.reasons.join(", ") || "–"),
      el("h3", null, "Rules"), el("p", "rules", r.rules.join(", ") || "–"),
      el("h3", null, "Timings"), table(timings),
      el("h3", null, "Features"), table(features),
    );
  } catch (error) {
    body.replaceChildren(el("p", null, `Details unavailable: ${error.message}`));
  }
  dialog.addEventListener("close", () => opener.focus(), { once: true });
}

// --- live stream ----------------------------------------------------------------------------
function connect() {
  const source = new EventSource("/api/stream");
  const status = $("connection");
  source.onopen = () => { status.textContent = "live"; status.classList.add("on"); };
  source.onerror = () => { status.textContent = "reconnecting…"; status.classList.remove("on"); };
  source.addEventListener("batch", (event) => {
    const batch = JSON.parse(event.data);
    addPoints(batch.points);
    batch.alerts.forEach(addAlert);
    document.body.dataset.lastEvent = event.lastEventId;
  });
  source.addEventListener("summary", (event) => showSummary(JSON.parse(event.data)));
}

async function loadWorld() {
  try {
    world = await loadWorldShapes();
  } catch (error) {
    console.warn("world map unavailable", error);
  }
  drawLand();
}

window.addEventListener("resize", () => { sizeCanvas($("points")); drawLand(); });
window.addEventListener("DOMContentLoaded", () => {
  sizeCanvas($("points"));
  loadWorld();
  connect();
  requestAnimationFrame(drawPoints);
});
