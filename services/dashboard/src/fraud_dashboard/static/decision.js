// One decision from the log (GET /api/decisions/{id}): the payment, the score against the
// thresholds in force, rules, and the reasons in words with the values behind them.
"use strict";

function transactionIdFromAddress() {
  const parts = window.location.pathname.split("/");
  return decodeURIComponent(parts[parts.length - 1] || "");
}

function facts(rows) {
  const table = $("payment");
  table.replaceChildren(...rows.map(([name, value]) => {
    const tr = el("tr");
    const th = el("th", null, name);
    th.scope = "row";
    tr.append(th, el("td", null, value === null || value === undefined || value === "" ? "–" : value));
    return tr;
  }));
}

function showPayment(d) {
  const merchant = d.merchant_name === null ? "–" : d.merchant_name;
  const place = d.lat === null ? "–" : `${d.lat.toFixed(4)}, ${d.lon.toFixed(4)}`;
  facts([
    ["amount", money(d.amount, d.currency)],
    [`in ${d.reporting_currency}`, d.reporting_amount === null ? "no rate for this currency" : `≈ ${money(d.reporting_amount, d.reporting_currency)} at the world's rates`],
    ["event time", utc(d.event_time)],
    ["merchant", merchant], ["merchant id", d.merchant_id], ["category (MCC)", d.merchant_category],
    ["channel", d.channel], ["where", [d.city, d.country].filter(Boolean).join(", ")], ["coordinates", place],
    ["card", d.card_id], ["customer", d.customer_id], ["device", d.device_id],
    ["model", d.model_version], ["decided at", utc(d.decided_at)], ["transaction", d.transaction_id],
  ]);
}

function share(value) {
  return `${(Math.max(0, Math.min(1, value)) * 100).toFixed(2)}%`;
}

function showScore(d) {
  const { review, block } = d.thresholds;
  $("zone-approve").style.width = share(review);
  $("zone-review").style.width = share(block - review);
  $("zone-block").style.width = share(1 - block);
  $("score-marker").style.left = share(d.score);
  const against = d.score >= block ? `at or above the block threshold ${block.toFixed(3)}`
    : d.score >= review ? `between the review threshold ${review.toFixed(3)} and the block threshold ${block.toFixed(3)}`
      : `below the review threshold ${review.toFixed(3)}`;
  const rules = d.rules.length ? `; ${d.rules.length} rule${d.rules.length === 1 ? "" : "s"} hit` : "";
  const text = `score ${d.score.toFixed(3)}, ${against}: ${d.decision}${rules}`;
  $("scale-legend").textContent = `approve below ${review.toFixed(3)} · review from ${review.toFixed(3)} · block from ${block.toFixed(3)}`;
  $("score-text").textContent = text;
  $("scale").setAttribute("aria-label", text);
}

function featureValue(value) {
  if (value === null || value === undefined) return "undefined";
  return Number.isInteger(value) ? String(value) : Number(value).toFixed(3);
}

function showReasons(d) {
  const reasons = d.reasons_in_words.map((reason) => {
    const li = el("li", "reason");
    li.append(el("span", "reason-text", reason.text));
    li.append(el("code", "reason-value", `${reason.feature} = ${featureValue(d.features[reason.feature])}`));
    return li;
  });
  $("reasons").replaceChildren(...(reasons.length ? reasons : [el("li", "hint", "no feature stood out")]));
  const rules = d.rules.map((rule) => el("li", "rule", rule));
  $("rules").replaceChildren(...(rules.length ? rules : [el("li", "hint", "none")]));
}

function showHeadline(d, others) {
  const merchant = d.merchant_name === null ? d.merchant_id : d.merchant_name;
  const title = $("decision-title");
  title.replaceChildren(el("span", `badge ${d.decision}`, d.decision), document.createTextNode(" "), el("span", "merchant-name", merchant));
  $("decision-amount").textContent = `${moneyBoth(d)} · ${[d.city, d.country].filter(Boolean).join(", ")} · ${utc(d.event_time)}`;
  const label = d.label
    ? `Ground truth: ${d.label.is_fraud ? `fraud (${d.label.scenario})` : "genuine"}, labelled ${utc(d.label.labelled_at)}`
    : "No label yet: waiting for an analyst or a chargeback.";
  $("decision-label").textContent = others ? `${label} The id was also logged at ${others} other event time(s).` : label;
  document.title = `${d.decision} · ${merchant} · Fraud detection`;
}

async function loadDecision() {
  const id = transactionIdFromAddress();
  $("decision-id").textContent = id;
  try {
    const body = await getJson(`/api/decisions/${encodeURIComponent(id)}`);
    const all = Array.isArray(body) ? body : [body];
    const d = all[all.length - 1];
    showHeadline(d, all.length - 1);
    showReasons(d);
    showScore(d);
    showPayment(d);
    document.body.dataset.loaded = "decision";
    await Promise.all([showCardHistory(d), showVerdictPanel(d)]);
    document.body.dataset.loaded = "all";
  } catch (error) {
    $("decision-title").textContent = "Decision unavailable";
    const problem = $("decision-problem");
    problem.textContent = error.message;
    problem.hidden = false;
  }
}

window.addEventListener("DOMContentLoaded", loadDecision);
