// The decision page's verdict panel: an analyst confirms fraud, marks genuine or escalates, with a
// comment (POST /api/decisions/{id}/verdicts, X-CSRF-Token); everyone sees the case's history
// (GET /api/decisions/{id}/case). Viewers see the buttons disabled; the server refuses them anyway.
"use strict";

const VERDICT_WORDS = { fraud: "confirmed fraud", genuine: "marked genuine", escalate: "escalated" };

function verdictLine(entry) {
  const li = el("li", `case-entry ${entry.verdict}`);
  const head = el("span", "case-head");
  head.append(el("span", `badge ${entry.verdict}`, entry.verdict), document.createTextNode(` ${entry.analyst} ${VERDICT_WORDS[entry.verdict] || entry.verdict} · ${utc(entry.given_at)}`));
  li.append(head);
  if (entry.comment) li.append(el("q", "case-comment", entry.comment));
  if (entry.label_sent) li.append(el("span", "hint", "label sent to transaction-labels"));
  return li;
}

function labelLine(label) {
  const said = label.is_fraud ? "fraud" : "genuine";
  const who = label.source === "analyst" ? `analyst ${label.analyst || "?"}` : label.source;
  const counted = label.counted ? "counted" : "disagrees with the counted label: kept, not counted";
  const li = el("li", `case-entry label ${label.counted ? "counted" : "ignored"}`);
  li.append(el("span", "case-head", `label from ${who}: ${said} · ${utc(label.received_at)} · ${counted}`));
  return li;
}

async function showCase(id) {
  const history = $("case-history");
  try {
    const found = await getJson(`/api/decisions/${encodeURIComponent(id)}/case`);
    const lines = [...found.verdicts.map(verdictLine), ...found.labels.map(labelLine)];
    history.replaceChildren(...(lines.length ? lines : [el("li", "hint", "no verdict or label yet")]));
    $("case-contradicted").hidden = !found.contradicted;
    history.dataset.verdicts = String(found.verdicts.length);
  } catch (error) {
    history.replaceChildren(el("li", "problem", `Case history unavailable: ${error.message}`));
  }
}

function refusal(error) {
  if (error.status === 403) return `Refused (403 Forbidden): ${error.message}`;
  if (error.status === 401) return "Refused: your session has ended; sign in again.";
  return `Not recorded: ${error.message}`;
}

async function giveVerdict(id, session, verdict) {
  const form = $("verdict-form");
  const buttons = [...form.querySelectorAll("button")];
  const result = $("verdict-result");
  const problem = $("verdict-problem");
  buttons.forEach((button) => { button.disabled = true; });
  problem.hidden = true;
  result.textContent = "sending…";
  try {
    const comment = form.elements.comment.value;
    const entry = await sendJson("POST", `/api/decisions/${encodeURIComponent(id)}/verdicts`, { verdict, comment }, session);
    const label = entry.label ? " The label went to transaction-labels." : "";
    result.textContent = `Recorded: ${entry.analyst} ${VERDICT_WORDS[entry.verdict]} at ${utc(entry.given_at)}.${label}`;
    form.elements.comment.value = "";
    await showCase(id);
  } catch (error) {
    result.textContent = "";
    problem.textContent = refusal(error);
    problem.hidden = false;
  }
  buttons.forEach((button) => { button.disabled = !session.may_give_verdicts; });
}

function verdictNote(session, id) {
  const note = $("verdict-note");
  if (session.may_give_verdicts) {
    note.textContent = `Signed in as ${session.name}. Fraud and genuine send a label; escalate asks a colleague.`;
  } else if (session.signed_in) {
    note.textContent = `Signed in as ${session.name}, a ${session.role}: only analysts give verdicts.`;
  } else {
    const link = el("a", null, "Sign in");
    link.href = `/sign-in?next=${encodeURIComponent(decisionUrl(id))}`;
    const why = session.sign_in_available ? " as an analyst to give a verdict." : "";
    note.replaceChildren(...(session.sign_in_available ? [link, document.createTextNode(why)] : [document.createTextNode("Verdicts need sign-in, which is not set up on this dashboard.")]));
  }
}

async function showVerdictPanel(d) {
  const id = d.transaction_id;
  const session = await currentSession();
  verdictNote(session, id);
  const form = $("verdict-form");
  form.hidden = !session.signed_in;
  form.querySelectorAll("button").forEach((button) => { button.disabled = !session.may_give_verdicts; });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const verdict = event.submitter && event.submitter.value;
    if (verdict) giveVerdict(id, session, verdict);
  });
  await showCase(id);
}
