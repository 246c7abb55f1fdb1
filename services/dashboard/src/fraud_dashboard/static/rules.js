// The rules page: every rule and its versions (GET /api/rules, /api/rules/{id}), and for a lead:
// an expression validated as it is typed (POST /api/rules/validate, the error pointed at with a
// caret), backtested (POST /api/rules/backtest), saved as a new draft version, then shadowed,
// activated or retired (POST /api/rules/{id}/versions/{v}/status). Everything the server sends
// is put in as text. The server checks the role and the CSRF token whatever the buttons say.
"use strict";

const VALIDATE_MS = 300;
const STATUS_BUTTONS = [["shadow", "Shadow"], ["active", "Activate"], ["retired", "Retire"]];
let rulesSession = null;
let selected = null;
let validateTimer = null;

function editorProblem(text) {
  const problem = $("editor-problem");
  problem.textContent = text || "";
  problem.hidden = !text;
}

function utcValue(value) {
  if (!value) return undefined;
  return `${value.length === 16 ? `${value}:00` : value}Z`;
}

function ruleRow(rule) {
  const tr = el("tr", "rule-row");
  tr.dataset.id = rule.id;
  const newest = rule.versions[0];
  const link = el("button", "link-button", rule.id);
  link.type = "button";
  link.addEventListener("click", () => selectRule(rule.id));
  const first = el("td");
  first.append(link);
  tr.append(
    first,
    el("td", null, rule.active_version ? `v${rule.active_version}` : "–"),
    el("td", null, rule.shadow_version ? `v${rule.shadow_version}` : "–"),
    el("td", null, `v${newest.version} ${newest.status}`),
  );
  if (selected === rule.id) tr.setAttribute("aria-current", "true");
  return tr;
}

async function loadRules() {
  const found = await getJson("/api/rules");
  $("rules-revision").textContent = found.baseline ? "built-in baseline" : `revision ${found.revision}`;
  $("rules-rows").replaceChildren(...found.rules.map(ruleRow));
}

function versionRow(rule, version) {
  const tr = el("tr", `version ${version.status}`);
  tr.dataset.version = String(version.version);
  const change = el("td", "change");
  for (const [status, label] of STATUS_BUTTONS) {
    const button = el("button", `status-button ${status}`, label);
    button.type = "button";
    button.dataset.status = status;
    button.disabled = !rulesSession.may_change_rules || version.status === status;
    button.addEventListener("click", () => changeStatus(rule.id, version.version, status));
    change.append(button);
  }
  const test = el("button", "status-button backtest", "Backtest");
  test.type = "button";
  test.disabled = !rulesSession.may_change_rules;
  test.addEventListener("click", () => runBacktest({ rule_id: rule.id, version: version.version }));
  change.append(test);
  tr.append(
    el("td", null, `v${version.version}`), el("td", null, version.status), el("td", null, version.action),
    el("td", "number", String(version.priority)), el("td", "expression", version.expression),
    el("td", null, version.reason), change,
  );
  return tr;
}

function historyLine(event) {
  const before = event.before ? event.before.status : "new";
  return el("li", "case-entry", `${utc(event.at)} · ${event.actor} (${event.role}) · v${event.version}: ${before} → ${event.after.status}`);
}

async function selectRule(id) {
  selected = id;
  const rule = await getJson(`/api/rules/${encodeURIComponent(id)}`);
  $("versions-title").textContent = `Versions of ${rule.id}`;
  $("versions-rows").replaceChildren(...rule.versions.map((v) => versionRow(rule, v)));
  $("rule-history").replaceChildren(...(rule.history.length ? rule.history.map(historyLine) : [el("li", "hint", "the built-in baseline: no change yet")]));
  $("versions-panel").hidden = false;
  const newest = rule.versions[0];
  const form = $("rule-form");
  form.elements.rule_id.value = rule.id;
  form.elements.expression.value = newest.expression;
  form.elements.action.value = newest.action;
  form.elements.priority.value = String(newest.priority);
  form.elements.reason.value = newest.reason;
  for (const row of $("rules-rows").children) {
    if (row.dataset.id === id) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
  }
  await validateNow();
}

async function validateNow() {
  const expression = $("rule-expression").value;
  const out = $("validation");
  if (!expression.trim()) {
    out.textContent = "";
    out.className = "validation";
    return false;
  }
  try {
    const found = await sendJson("POST", "/api/rules/validate", { expression }, rulesSession);
    const names = [...found.reads.features, ...found.reads.fields, ...found.reads.lists];
    out.textContent = `valid · reads ${names.join(", ") || "nothing"}`;
    out.className = "validation valid";
    return true;
  } catch (error) {
    const detail = error.detail && error.detail[0];
    out.textContent = detail && detail.pointed ? detail.pointed : error.message;
    out.className = "validation invalid";
    return false;
  }
}

function formContent() {
  const form = $("rule-form");
  return {
    expression: form.elements.expression.value,
    action: form.elements.action.value,
    reason: form.elements.reason.value.trim(),
    priority: Number(form.elements.priority.value || 100),
  };
}

async function runBacktest(which) {
  const form = $("rule-form");
  editorProblem(null);
  $("editor-result").textContent = "backtesting…";
  const body = { ...which };
  const from = utcValue(form.elements.from.value);
  const to = utcValue(form.elements.to.value);
  if (from) body.from = from;
  if (to) body.to = to;
  try {
    showBacktest(await sendJson("POST", "/api/rules/backtest", body, rulesSession));
    $("editor-result").textContent = "";
  } catch (error) {
    $("editor-result").textContent = "";
    editorProblem(`Backtest refused: ${error.message}`);
  }
}

async function backtestDraft() {
  const content = formContent();
  const id = $("rule-id").value.trim();
  await runBacktest({ expression: content.expression, action: content.action, ...(id ? { rule_id: id } : {}) });
}

async function saveVersion(event) {
  event.preventDefault();
  const id = $("rule-id").value.trim();
  editorProblem(null);
  try {
    const made = await sendJson("POST", `/api/rules/${encodeURIComponent(id)}/versions`, formContent(), rulesSession);
    $("editor-result").textContent = `Saved ${made.rule.id} v${made.rule.version} as a draft.`;
    await loadRules();
    await selectRule(made.rule.id);
  } catch (error) {
    editorProblem(`Not saved: ${error.message}`);
  }
}

async function changeStatus(id, version, status) {
  const problem = $("status-problem");
  problem.hidden = true;
  try {
    const done = await sendJson("POST", `/api/rules/${encodeURIComponent(id)}/versions/${version}/status`, { status }, rulesSession);
    $("status-result").textContent = `${done.changes.join("; ") || "no change"} (revision ${done.revision}): consumers pick it up within seconds.`;
    await loadRules();
    await selectRule(id);
  } catch (error) {
    problem.textContent = error.status === 403 ? `Refused (403 Forbidden): ${error.message}` : `Not changed: ${error.message}`;
    problem.hidden = false;
  }
}

function newRule() {
  selected = null;
  const form = $("rule-form");
  form.reset();
  $("validation").textContent = "";
  $("versions-panel").hidden = true;
  $("rule-id").focus();
}

async function loadRulesPage() {
  rulesSession = await currentSession();
  const note = $("rules-note");
  if (!rulesSession.signed_in) {
    const link = el("a", null, "Sign in");
    link.href = `/sign-in?next=${encodeURIComponent("/rules")}`;
    note.replaceChildren(link, document.createTextNode(" to read the rules; a lead changes them."));
    return;
  }
  note.textContent = rulesSession.may_change_rules
    ? `Signed in as ${rulesSession.name}, a lead: write, backtest, shadow, activate and retire rules. Every change is audited.`
    : `Signed in as ${rulesSession.name}, a ${rulesSession.role}: only a lead changes or backtests rules.`;
  const form = $("rule-form");
  form.querySelectorAll("input, textarea, select, button").forEach((field) => { field.disabled = !rulesSession.may_change_rules; });
  form.addEventListener("submit", saveVersion);
  $("backtest-draft").addEventListener("click", backtestDraft);
  $("new-rule").addEventListener("click", newRule);
  $("rule-expression").addEventListener("input", () => {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(validateNow, VALIDATE_MS);
  });
  $("rules-desk").hidden = false;
  try {
    await loadRules();
    document.body.dataset.loaded = "rules";
  } catch (error) {
    const problem = $("rules-problem");
    problem.textContent = `Rules unavailable: ${error.message}`;
    problem.hidden = false;
  }
}

window.addEventListener("DOMContentLoaded", loadRulesPage);
