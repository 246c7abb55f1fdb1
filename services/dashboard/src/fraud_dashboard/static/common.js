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

// The server's reason for a refusal: FastAPI's detail, a string or a list of bad parameters.
async function failure(response) {
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON: the status says it */ }
  const detail = body && body.detail;
  const text = Array.isArray(detail) ? detail.map((d) => `${(d.loc || []).slice(-1)[0]}: ${d.msg}`).join("; ") : detail;
  const error = new Error(text || `HTTP ${response.status}`);
  error.status = response.status;
  error.detail = detail; // the whole of it: a refused rule says where, line and column
  return error;
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw await failure(response);
  return response.json();
}

// A state change: JSON in, JSON out (null for 204), with the session's CSRF token in its header.
async function sendJson(method, url, body, session) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (session && session.csrf_token) headers[session.csrf_header] = session.csrf_token;
  const response = await fetch(url, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}

// Who is signed in (GET /api/session), read once per page.
let sessionRead = null;
function currentSession() {
  if (!sessionRead) {
    sessionRead = getJson("/api/session").catch(() => ({ signed_in: false, sign_in_available: false }));
  }
  return sessionRead;
}

// Where a sign-in may send the browser back to: a path of this site only (never //host or a URL).
function localPath(value, fallback) {
  return typeof value === "string" && /^\/(?![/\\])/.test(value) ? value : fallback;
}
