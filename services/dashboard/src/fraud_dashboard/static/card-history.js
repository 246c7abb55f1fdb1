// The card's recent decisions (GET /api/cards/{card}/decisions) as a timeline and a small map:
// this payment ringed, the earlier ones joined in time order. Text only through el().
"use strict";

const HISTORY_LIMIT = 20;
const DECISION_COLOURS = { approve: "#2dd4bf", review: "#fbbf24", block: "#f87171" };

function kmBetween(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad, dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function duration(seconds) {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

function located(item) {
  return item.lat !== null && item.lon !== null && item.lat !== undefined;
}

// "20 min and 3,400 km after the previous one"
function gapText(item, previous) {
  if (!previous) return "the card's first payment in the log";
  const seconds = (Date.parse(item.event_time) - Date.parse(previous.event_time)) / 1000;
  const km = located(item) && located(previous) ? `, ${Math.round(kmBetween(previous, item)).toLocaleString()} km` : "";
  return `${duration(seconds)}${km} after the previous one`;
}

function timelineItem(item, previous, currentId) {
  const li = el("li", `moment ${item.decision}`);
  const current = item.transaction_id === currentId;
  const head = el("span", "moment-head");
  const when = current ? el("strong", null, `${utc(item.event_time)} · this payment`) : el("a", null, utc(item.event_time));
  if (!current) when.href = decisionUrl(item.transaction_id);
  else li.setAttribute("aria-current", "true");
  head.append(when, el("span", `badge ${item.decision}`, item.decision));
  if (item.label) head.append(el("span", `badge ${item.label.is_fraud ? "fraud" : "genuine"}`, item.label.is_fraud ? `fraud: ${item.label.scenario}` : "genuine"));
  const merchant = item.merchant_name === null ? item.merchant_id : item.merchant_name;
  const where = [item.city, item.country].filter(Boolean).join(", ");
  li.append(head, el("span", "moment-body", `${moneyBoth(item)} at ${merchant}${where ? ` in ${where}` : ""} · score ${item.score.toFixed(3)}`));
  li.append(el("span", "moment-gap", gapText(item, previous)));
  return li;
}

function mapBounds(places) {
  const lats = places.map((p) => p.lat), lons = places.map((p) => p.lon);
  let south = Math.min(...lats), north = Math.max(...lats), west = Math.min(...lons), east = Math.max(...lons);
  const padLon = Math.max(12, (east - west) * 0.2), padLat = Math.max(8, (north - south) * 0.2);
  west = Math.max(-180, west - padLon); east = Math.min(180, east + padLon);
  south = Math.max(-70, south - padLat); north = Math.min(85, north + padLat);
  return { north, south, west, east };
}

async function drawCardMap(items, currentId) {
  const canvas = $("card-map");
  const places = items.filter(located).reverse(); // oldest first
  const [width, height] = sizeCanvas(canvas);
  let shapes = null;
  try { shapes = await loadWorldShapes(); } catch (error) { console.warn("world map unavailable", error); }
  if (!places.length) {
    drawLandOn(canvas, makeFrame(width, height, { north: 84, south: -58, west: -180, east: 180 }), shapes);
    $("map-note").textContent = "no place logged for these payments";
    return;
  }
  const frame = makeFrame(width, height, mapBounds(places));
  drawLandOn(canvas, frame, shapes);
  const ctx = canvas.getContext("2d");
  const ratio = window.devicePixelRatio || 1;
  ctx.strokeStyle = "rgb(232 238 248 / 45%)";
  ctx.lineWidth = 1.2 * ratio;
  ctx.beginPath();
  places.forEach((p, i) => { const [x, y] = frame.project(p.lat, p.lon); if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y); });
  ctx.stroke();
  for (const p of places) {
    const [x, y] = frame.project(p.lat, p.lon);
    ctx.fillStyle = DECISION_COLOURS[p.decision] || "#e8eef8";
    ctx.beginPath();
    ctx.arc(x, y, 4 * ratio, 0, Math.PI * 2);
    ctx.fill();
    if (p.transaction_id === currentId) {
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 2 * ratio;
      ctx.beginPath();
      ctx.arc(x, y, 8 * ratio, 0, Math.PI * 2);
      ctx.stroke();
    }
  }
  canvas.dataset.points = String(places.length);
  const earlier = places.length - 1;
  $("map-note").textContent = `this payment (ringed) and ${earlier} earlier one${earlier === 1 ? "" : "s"} of the card, joined in time order`;
}

async function showCardHistory(decision) {
  const list = $("timeline");
  list.replaceChildren(el("li", "hint", "loading…"));
  try {
    const query = new URLSearchParams({ limit: String(HISTORY_LIMIT), until: decision.event_time });
    const body = await getJson(`/api/cards/${encodeURIComponent(decision.card_id)}/decisions?${query}`);
    const items = body.items;
    list.replaceChildren(...items.map((item, i) => timelineItem(item, items[i + 1], decision.transaction_id)));
    if (!items.length) list.replaceChildren(el("li", "hint", "no payments of this card in the log"));
    $("history-title").textContent = `The card's last ${items.length} payment${items.length === 1 ? "" : "s"} up to this one`;
    await drawCardMap(items, decision.transaction_id);
    let pending = null; // redraw once the window has settled on its new size
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(() => drawCardMap(items, decision.transaction_id), 150);
    });
  } catch (error) {
    list.replaceChildren(el("li", "problem", `History unavailable: ${error.message}`));
  }
}
