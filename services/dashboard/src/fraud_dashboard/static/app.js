// Live dashboard. Every value from the server is inserted with textContent, never as HTML.
"use strict";

const COLOURS = ["#2dd4bf", "#fbbf24", "#f87171"]; // approve, review, block
const DECISIONS = ["approve", "review", "block"];
const FADE_MS = [8000, 30000, 45000]; // alerts stay visible longer than approvals
const MAX_POINTS = 6000;
const MAX_ALERTS = 100;

const $ = (id) => document.getElementById(id);
const points = [];
const alertIds = new Set();
let world = null;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function money(value, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "EUR", maximumFractionDigits: 2 }).format(value);
  } catch (_) {
    return `${Number(value).toFixed(2)} ${currency || ""}`;
  }
}

// --- map ------------------------------------------------------------------------------------
const NORTH = 84, SOUTH = -58; // Antarctica and the far north hold no customers: use the room
let frame = { x: 0, y: 0, scale: 1 };

function fitFrame(width, height) {
  // Equirectangular, letterboxed: one degree is the same length both ways.
  const scale = Math.min(width / 360, height / (NORTH - SOUTH));
  frame = { x: (width - 360 * scale) / 2, y: (height - (NORTH - SOUTH) * scale) / 2, scale };
}

function project(lat, lon) {
  return [frame.x + (lon + 180) * frame.scale, frame.y + (NORTH - lat) * frame.scale];
}

function unwrap(ring) {
  // Rings crossing the antimeridian jump by ~360 degrees: make them continuous instead.
  const out = [];
  let shift = 0;
  ring.forEach(([lon, lat], i) => {
    if (i > 0) {
      const step = lon + shift - out[i - 1][0];
      if (step > 180) shift -= 360; else if (step < -180) shift += 360;
    }
    out.push([lon + shift, lat]);
  });
  return out;
}

function traceRing(ctx, ring, offset) {
  ring.forEach(([lon, lat], i) => {
    const [x, y] = project(lat, lon + offset);
    if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  });
  ctx.closePath();
}

function sizeCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const box = canvas.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(box.width * ratio));
  canvas.height = Math.max(1, Math.round(box.height * ratio));
  return [canvas.width, canvas.height];
}

function drawLand() {
  const canvas = $("land");
  const [width, height] = sizeCanvas(canvas);
  fitFrame(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#0f1a2e";
  ctx.fillRect(0, 0, width, height);
  if (!world) return;
  ctx.fillStyle = "#1e2b45";
  ctx.strokeStyle = "#33456b";
  ctx.lineWidth = 0.6 * (window.devicePixelRatio || 1);
  for (const feature of world.features) {
    const geometry = feature.geometry;
    if (!geometry) continue;
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    ctx.beginPath();
    for (const polygon of polygons) {
      for (const raw of polygon) {
        const ring = unwrap(raw);
        const lons = ring.map((p) => p[0]);
        for (const offset of [0, 360, -360]) {
          if (Math.max(...lons) + offset < -180 || Math.min(...lons) + offset > 180) continue;
          traceRing(ctx, ring, offset);
        }
      }
    }
    ctx.fill("evenodd");
    ctx.stroke();
  }
}

function drawPoints() {
  const canvas = $("points");
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  const now = performance.now();
  const radius = Math.max(1.5, width / 500);
  ctx.clearRect(0, 0, width, height);
  while (points.length && now - points[0].born > FADE_MS[2]) points.shift();
  for (const p of points) {
    const alpha = 1 - (now - p.born) / FADE_MS[p.decision];
    if (alpha <= 0) continue;
    const [x, y] = project(p.lat, p.lon);
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
  $("blocked-amount").textContent = money(s.blocked_amount, "EUR");
  $("total").textContent = Number(s.transactions).toLocaleString();
  $("model-version").textContent = s.model_version || "–";
  const when = s.world_time ? s.world_time.slice(0, 16).replace("T", " ") + " UTC" : "–";
  const speed = s.world_speed ? ` · ×${Math.round(s.world_speed).toLocaleString()}` : "";
  $("world").textContent = `world time ${when}${speed}`;
  const p50 = s.latency_p50_ms, p99 = s.latency_p99_ms, budget = s.latency_budget_ms;
  $("latency").textContent = p50 === null ? "–" : `${p50.toFixed(1)} / ${p99 === null ? "–" : p99.toFixed(1)} ms`;
  $("latency-budget").textContent = `budget ${budget} ms (p99)`;
  const bar = $("latency-bar");
  const share = p99 === null ? 0 : Math.min(1, p99 / budget);
  bar.style.width = `${(share * 100).toFixed(0)}%`;
  bar.classList.toggle("over", p99 !== null && p99 > budget);
  $("quality").textContent = s.precision === null ? "–" : `${percent(s.precision)} / ${percent(s.recall)}`;
  $("labels").textContent = s.labels ? `${s.labels.toLocaleString()} labels so far` : "no labels yet";
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
    body.replaceChildren(
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
    const response = await fetch("/static/vendor/countries-110m.json");
    const topology = await response.json();
    world = topojson.feature(topology, topology.objects.countries);
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
