// The sign-in page: name and password to POST /api/session (JSON; the server sets the HttpOnly
// session cookie), then back to the page that sent us here (?next=, a path of this site only).
"use strict";

function nextPage() {
  return localPath(new URLSearchParams(window.location.search).get("next"), "/queue");
}

function showSignedIn(session) {
  const line = $("signed-in");
  const link = el("a", null, "continue");
  link.href = nextPage();
  line.replaceChildren(document.createTextNode(`Signed in as ${session.name} (${session.role}): `), link);
  line.hidden = false;
}

async function signIn(event) {
  event.preventDefault();
  const form = $("sign-in-form");
  const problem = $("sign-in-problem");
  const button = $("sign-in-button");
  button.disabled = true;
  problem.hidden = true;
  try {
    await sendJson("POST", "/api/session", { name: form.elements.name.value.trim(), password: form.elements.password.value });
    window.location.assign(nextPage());
  } catch (error) {
    form.elements.password.value = "";
    const why = error.status === 401 ? "Wrong name or password." : error.message;
    problem.textContent = `Not signed in: ${why}`;
    problem.hidden = false;
    button.disabled = false;
    form.elements.password.focus();
  }
}

window.addEventListener("DOMContentLoaded", async () => {
  const session = await currentSession();
  $("sign-in-form").addEventListener("submit", signIn);
  if (session.signed_in) {
    showSignedIn(session);
  } else if (!session.sign_in_available) {
    $("sign-in-note").textContent = "Sign-in is not set up on this dashboard: an operator adds users with `fraud-dashboard users add` and sets DASHBOARD_USERS_FILE.";
  }
  if (session.sign_in_available) {
    $("sign-in-form").hidden = false;
    $("sign-in-name").focus();
  }
  document.body.dataset.loaded = "sign-in";
});
