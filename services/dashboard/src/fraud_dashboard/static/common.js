// Helpers every page shares. Every value from the server is inserted with textContent (el),
// never as HTML: a hostile merchant name stays text.
"use strict";

const $ = (id) => document.getElementById(id);

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

// "12.00 USD (≈ 10.26 EUR)": the payment's own amount, and in the reporting currency when it differs.
function moneyBoth(item) {
  const own = money(item.amount, item.currency);
  if (item.currency === item.reporting_currency) return own;
  if (item.reporting_amount === null || item.reporting_amount === undefined) return `${own} (no rate)`;
  return `${own} (≈ ${money(item.reporting_amount, item.reporting_currency)})`;
}

// "2026-03-02 14:05:09 UTC" from an ISO time (the world's clock is UTC).
function utc(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : "–";
}

function decisionUrl(id) {
  return `/decisions/${encodeURIComponent(id)}`;
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON: reported below */ }
  if (!response.ok) {
    const detail = body && body.detail;
    const text = Array.isArray(detail) ? detail.map((d) => `${(d.loc || []).slice(-1)[0]}: ${d.msg}`).join("; ") : detail;
    throw new Error(text || `HTTP ${response.status}`);
  }
  return body;
}
