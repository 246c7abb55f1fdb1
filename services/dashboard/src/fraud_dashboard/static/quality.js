// Model quality from the decision log, per day of decision (app.js's el and $).
// Every value from the server is inserted with textContent, never as HTML.
"use strict";

const QUALITY_DAYS_SHOWN = 7;
const QUALITY_EVERY_MS = 30000;

function share(value) {  // one decimal: five columns in a narrow panel
  return value === null || value === undefined ? "–" : `${(value * 100).toFixed(1)}%`;
}

function qualityRow(day) {
  const row = el("tr");
  const when = el("th", null, day.day);
  when.scope = "row";
  when.append(el("span", "model", day.model_version));
  row.append(
    when,
    el("td", null, share(day.alert_rate)),
    el("td", null, share(day.precision)),
    el("td", null, share(day.recall)),
    el("td", null, share(day.label_coverage)),
  );
  return row;
}

async function loadQuality() {
  const status = $("log-status");
  const rows = $("log-quality-rows");
  try {
    const response = await fetch("/api/quality");
    const body = await response.json();
    if (!response.ok) {
      rows.replaceChildren();
      status.textContent = body.detail || `HTTP ${response.status}`;
      return;
    }
    const days = body.days.slice(-QUALITY_DAYS_SHOWN).reverse();
    rows.replaceChildren(...days.map(qualityRow));
    if (body.problem) status.textContent = `last read failed: ${body.problem}`;
    else if (!body.refreshed_at) status.textContent = "reading the log…";
    else if (!days.length) status.textContent = "no decisions logged yet";
    else status.textContent = `at the review threshold; unlabelled payments are unknown, not genuine (read ${body.refreshed_at.slice(11, 19)} UTC)`;
  } catch (error) {
    status.textContent = `quality unavailable: ${error.message}`;
  }
}

window.addEventListener("DOMContentLoaded", () => {
  loadQuality();
  setInterval(loadQuality, QUALITY_EVERY_MS);
});
