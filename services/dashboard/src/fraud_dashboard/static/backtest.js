// The rules page's backtest panel: a backtest's figures (POST /api/rules/backtest) as a list of
// named figures and the newest hits, each a link to its decision page. Text only, as everywhere.
"use strict";

function percent(part) {
  return part === null || part === undefined ? "–" : `${(part * 100).toFixed(1)}%`;
}

function figureRows(f) {
  const o = f.overlap;
  const rows = [
    ["hits", `${f.hits.toLocaleString()} of ${f.window.decisions.toLocaleString()} decisions (${percent(f.hit_rate)})`],
    ["precision", `${percent(f.precision)} of ${f.labelled_hits.toLocaleString()} labelled hits (${f.fraud_hits} fraud, ${f.genuine_hits} genuine)`],
    ["recall", `${percent(f.recall)} of ${f.window.fraud.toLocaleString()} labelled fraud`],
    ["fraud caught", `${money(f.fraud_amount_caught, f.reporting_currency)} of ${money(f.window.fraud_amount, f.reporting_currency)} (${percent(f.amount_recall)})`],
    ["cards hit", `${f.cards_hit.toLocaleString()}, of which ${f.genuine_cards_hit.toLocaleString()} with a genuine payment hit`],
    ["with the model's alerts", `${o.model_alerts.toLocaleString()} hits the model alerted on too`],
    ["with other active rules", `${o.other_active_rules.toLocaleString()} hits another active rule fired on`],
    ["new alerts", `${o.new_alerts.toLocaleString()} hits neither the model nor another rule alerted on`],
    ["decided then", `approve ${f.by_decision.approve}, review ${f.by_decision.review}, block ${f.by_decision.block}`],
  ];
  if (f.live) {
    rows.push(["live, same id", `fired ${f.live.fired}, in shadow ${f.live.shadow}; agreed ${f.live.agreed}, backtest only ${f.live.backtest_only}, live only ${f.live.live_only}`]);
  }
  if (f.without_payment_fields) rows.push(["without payment fields", `${f.without_payment_fields} decisions logged before the log kept the payment: read as missing`]);
  rows.push(["time", `${f.read_seconds.toFixed(2)} s reading the log, ${f.seconds.toFixed(3)} s evaluating`]);
  return rows;
}

function showExamples(items) {
  const table = $("backtest-examples");
  const rows = items.map((item) => {
    const tr = el("tr");
    const link = el("a", null, item.transaction_id);
    link.href = decisionUrl(item.transaction_id);
    const th = el("th", null);
    th.scope = "row";
    th.append(link);
    const label = item.is_fraud === null ? "no label yet" : item.is_fraud ? "fraud" : "genuine";
    tr.append(th, el("td", null, `${utc(item.event_time)} · ${money(item.amount, item.currency)} · ${item.decision} · ${label}`));
    return tr;
  });
  table.replaceChildren(...(rows.length ? rows : [el("tr", "hint", "no hit in the window")]));
}

function showBacktest(f) {
  const panel = $("backtest-panel");
  const rule = f.rule;
  $("backtest-title").textContent = `Backtest of ${rule.id}${rule.status === "draft" && rule.version === 1 ? "" : ` v${rule.version}`}`;
  $("backtest-window").textContent = `${utc(f.window.from)} to ${utc(f.window.to)}: ${f.window.decisions.toLocaleString()} decisions, ${f.window.labelled.toLocaleString()} labelled. ${rule.expression}`;
  const list = $("backtest-figures");
  list.replaceChildren(...figureRows(f).flatMap(([name, text]) => {
    const dt = el("dt", null, name);
    const dd = el("dd", null, text);
    dd.dataset.figure = name;
    return [dt, dd];
  }));
  list.dataset.hits = String(f.hits);
  showExamples(f.examples || []);
  panel.hidden = false;
}
