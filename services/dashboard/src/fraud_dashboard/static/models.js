// The models page: the registry's versions and their history (GET /api/models), and champion
// against challenger over a window of the decision log (GET /api/models/comparison). Read only:
// promotions and rollbacks are made with fraud-models, which records who and why. Everything
// the server sends (version names, actors, reasons) is put in as text.
"use strict";

function share(figure) {
  if (!figure || figure.value === null || figure.value === undefined) return "–";
  const value = `${(figure.value * 100).toFixed(1)}%`;
  const [low, high] = figure.ci95 || [];
  const interval = low === undefined ? "" : ` [${(low * 100).toFixed(1)}%, ${(high * 100).toFixed(1)}%]`;
  return `${value}${interval} of ${figure.of.toLocaleString()}`;
}

function utcParam(value) {
  if (!value) return null;
  return `${value.length === 16 ? `${value}:00` : value}Z`;
}

function pendingLine(pair) {
  if (pair.labelled === 0) {
    return `Labels pending: none of the ${pair.payments.toLocaleString()} payments has its label yet, so precision, recall and average precision are not known.`;
  }
  if (pair.pending === 0) return `Every label has arrived: ${pair.labelled.toLocaleString()} labelled, ${pair.frauds.toLocaleString()} fraud.`;
  return `Labels pending for ${pair.pending.toLocaleString()} of ${pair.payments.toLocaleString()} payments: figures from the ${pair.labelled.toLocaleString()} labelled (${pair.frauds.toLocaleString()} fraud) will move as the rest arrive.`;
}

const FIGURES = [
  ["alert rate", "alert_rate"],
  ["precision at the budget", "precision_at_budget"],
  ["recall at the budget", "recall_at_budget"],
  ["average precision at the budget", "ap_at_budget"],
];

function pairTable(pair) {
  const table = el("table", "facts pair-figures");
  const head = el("tr");
  const corner = el("th", null, "");
  head.append(corner, el("th", "champion", `${pair.champion.model_version} (champion)`), el("th", "challenger", `${pair.challenger.model_version} (challenger)`));
  table.append(head);
  for (const [name, key] of FIGURES) {
    const tr = el("tr");
    tr.dataset.figure = key;
    const th = el("th", null, name);
    th.scope = "row";
    tr.append(th, el("td", "champion", share(pair.champion[key])), el("td", "challenger", share(pair.challenger[key])));
    table.append(tr);
  }
  return table;
}

function pairPanel(pair) {
  const box = el("section", "model-pair");
  box.dataset.champion = pair.champion.model_version;
  box.dataset.challenger = pair.challenger.model_version;
  box.append(
    el("h3", null, `${pair.champion.model_version} against ${pair.challenger.model_version}`),
    el("p", "pair-counts", `${pair.payments.toLocaleString()} payments scored by both; review budget ${pair.review_budget.toLocaleString()} (the champion's alerts); same decision on ${share(pair.agreement)}.`),
    el("p", "labels-pending", pendingLine(pair)),
    pairTable(pair),
  );
  return box;
}

async function loadComparison(event) {
  if (event) event.preventDefault();
  const form = $("compare-form");
  const problem = $("compare-problem");
  problem.hidden = true;
  const params = new URLSearchParams();
  const from = utcParam(form.elements.from.value);
  const to = utcParam(form.elements.to.value);
  if (from) params.set("from", from);
  if (to) params.set("to", to);
  if (!from && !to && form.elements.days.value) params.set("days", form.elements.days.value);
  try {
    const found = await getJson(`/api/models/comparison?${params}`);
    $("compare-window").textContent = found.window
      ? `${utc(found.window.from)} to ${utc(found.window.to)} (event time)`
      : "the decision log holds no decision yet";
    const pairs = found.pairs.map(pairPanel);
    $("compare-pairs").replaceChildren(...(pairs.length ? pairs : [el("p", "hint", "No payment in this window was scored by a challenger in shadow.")]));
    document.body.dataset.compared = String(found.pairs.length);
  } catch (error) {
    problem.textContent = `Comparison refused: ${error.message}`;
    problem.hidden = false;
  }
}

function versionRow(version) {
  const tr = el("tr", `model-version ${version.status}`);
  tr.dataset.version = version.model_version;
  tr.append(
    el("td", "model", version.model_version), el("td", "status", version.status),
    el("td", null, utc(version.status_changed_at)), el("td", null, utc(version.registered_at)),
  );
  return tr;
}

function historyLine(event) {
  const li = el("li", "case-entry model-event");
  const was = event.from_status || "new";
  li.append(
    el("span", "case-head", `${utc(event.at)} · ${event.actor} · ${event.model_version}: ${was} → ${event.to_status} (${event.action})`),
    el("span", "case-comment", event.reason),
  );
  return li;
}

async function loadRegistry() {
  const found = await getJson("/api/models");
  $("models-serving").textContent = found.champion
    ? `champion ${found.champion}${found.challenger ? `, challenger ${found.challenger}` : ", no challenger"}`
    : "no champion in the registry";
  $("model-rows").replaceChildren(...(found.versions.length ? found.versions.map(versionRow) : [el("tr", "hint", "no version registered")]));
  $("model-history").replaceChildren(...(found.history.length ? found.history.map(historyLine) : [el("li", "hint", "no change recorded yet")]));
}

async function loadModelsPage() {
  const session = await currentSession();
  const note = $("models-note");
  if (!session.signed_in) {
    const link = el("a", null, "Sign in");
    link.href = `/sign-in?next=${encodeURIComponent("/models")}`;
    note.replaceChildren(link, document.createTextNode(" to read the models and how they compare."));
    return;
  }
  note.textContent = "Read only: promote, retire and roll back with fraud-models, which records who and why.";
  $("models-desk").hidden = false;
  $("compare-form").addEventListener("submit", loadComparison);
  try {
    await Promise.all([loadRegistry(), loadComparison()]);
    document.body.dataset.loaded = "models";
  } catch (error) {
    const problem = $("models-problem");
    problem.textContent = `Models unavailable: ${error.message}`;
    problem.hidden = false;
  }
}

window.addEventListener("DOMContentLoaded", loadModelsPage);
