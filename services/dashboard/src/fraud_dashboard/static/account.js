// The header's account corner on every page: who is signed in (and as what) with a sign-out
// button, or a link to the sign-in page that comes back here afterwards.
"use strict";

function here() {
  return `${window.location.pathname}${window.location.search}`;
}

async function signOut(session) {
  try {
    await sendJson("DELETE", "/api/session", undefined, session);
  } catch (error) {
    if (error.status !== 401) { // already signed out elsewhere: nothing left to end
      $("account").replaceChildren(el("span", "problem", `Sign-out failed: ${error.message}`));
      return;
    }
  }
  window.location.assign(here());
}

async function showAccount() {
  const corner = $("account");
  if (!corner) return;
  const session = await currentSession();
  if (!session.signed_in && session.sign_in_required && session.sign_in_available) {
    window.location.assign(`/sign-in?next=${encodeURIComponent(here())}`); // nothing to read here
    return;
  }
  if (session.signed_in) {
    const who = el("span", "who", `${session.name} · ${session.role}`);
    const button = el("button", "link-button", "Sign out");
    button.type = "button";
    button.id = "sign-out";
    button.addEventListener("click", () => signOut(session));
    corner.replaceChildren(who, button);
  } else if (session.sign_in_available) {
    const link = el("a", null, "Sign in");
    link.id = "sign-in-link";
    link.href = `/sign-in?next=${encodeURIComponent(here())}`;
    corner.replaceChildren(link);
  } else {
    corner.replaceChildren(el("span", "who", "read only"));
  }
  corner.dataset.state = session.signed_in ? session.role : "anonymous";
}

window.addEventListener("DOMContentLoaded", showAccount);
