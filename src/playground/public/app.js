// The Playground page: loads its configuration, follows the server's state (Server-Sent Events, with
// a slow poll as a fallback) and draws the Slack and Teams panes, the simulated phones (with a lock
// screen that unlocks through the simulator's route), the mail outbox and the audit log.
import { el } from "./blockkit.js";
import { createSlackPane } from "./slack.js";
import { createTeamsPane } from "./teams.js";

const $ = (id) => document.getElementById(id);

function showError(err) {
  console.error(err);
  const live = $("live");
  live.textContent = `error: ${err?.message ?? err}`;
  live.className = "live";
}

async function main() {
  const config = await (await fetch("/playground/api/config")).json();
  const slack = await createSlackPane(config, showError);
  const teams = createTeamsPane(config, showError);

  async function refresh() {
    const state = await (await fetch("/playground/api/state")).json();
    slack.render(state);
    teams.render(state);
    renderPhones(state.phones);
    renderOutbox(state.outbox);
    renderAudit(state.audit);
    document.body.dataset.version = String(state.version);
  }
  let running = null;
  let again = false;
  const update = () => {
    if (running) {
      again = true;
      return;
    }
    running = refresh()
      .catch(showError)
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          update();
        }
      });
  };

  function renderPhones(phones) {
    $("phones").replaceChildren(
      ...phones.map((p) => {
        const locked = p.phone?.locked === true;
        return el(
          "div",
          { class: `phone${locked ? " locked" : ""}`, "data-device": p.id },
          el("div", {}, el("b", {}, p.name)),
          el("div", {}, `${p.platform} ${p.osVersion}`),
          el("div", {}, p.owner),
          el(
            "div",
            { class: "state" },
            p.phone ? (locked ? "🔒 Locked" : "🔓 Unlocked") : "not started yet",
            p.phone ? ` · ${p.phone.passcodeSet ? "passcode set" : "no passcode"}` : "",
          ),
          locked ? el("button", { type: "button", onclick: () => openLock(p) }, "Lock screen") : null,
        );
      }),
    );
  }

  function openLock(p) {
    const host = $("lock-screen");
    const input = el("input", {
      type: "password",
      inputmode: "numeric",
      autocomplete: "off",
      "aria-label": "Passcode",
    });
    const result = el("div", { class: "result" });
    const close = () => {
      host.hidden = true;
      host.replaceChildren();
    };
    const unlock = async () => {
      const res = await fetch(`/simulator/devices/${encodeURIComponent(p.id)}/unlock`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ passcode: input.value }),
      });
      result.textContent =
        res.status === 200 ? "Unlocked" : res.status === 403 ? "Wrong passcode" : `Error ${res.status}`;
      if (res.status === 200) {
        setTimeout(close, 800);
        update();
      }
    };
    host.replaceChildren(
      el(
        "div",
        { class: "lock", role: "dialog", "data-device": p.id },
        el("div", {}, "🔒"),
        el("div", {}, p.name),
        el("div", {}, "Enter the passcode"),
        input,
        el(
          "button",
          { type: "button", class: "primary", onclick: () => unlock().catch(showError) },
          "Unlock",
        ),
        " ",
        el("button", { type: "button", onclick: close }, "Close"),
        result,
      ),
    );
    host.hidden = false;
    input.focus();
  }

  function renderOutbox(mails) {
    const open = new Set([...$("outbox").querySelectorAll("details[open]")].map((d) => d.dataset.file));
    $("outbox").replaceChildren(
      ...(mails.length
        ? mails.map((m) =>
            el(
              "details",
              { class: "mail", "data-file": m.file, open: open.has(m.file) },
              el(
                "summary",
                {},
                el("b", {}, m.subject),
                ` → ${m.to}`,
                el("span", { class: "when" }, ` ${m.date}`),
              ),
              el("pre", {}, m.text),
            ),
          )
        : [el("div", { class: "empty" }, "No mail yet.")]),
    );
  }

  function renderAudit(entries) {
    const rows = entries.map((a) =>
      el(
        "tr",
        {},
        el("td", {}, new Date(a.at).toLocaleTimeString()),
        el("td", {}, a.actor),
        el("td", {}, a.surface),
        el("td", {}, a.action),
        el("td", {}, a.outcome),
        el("td", {}, a.deviceId ?? ""),
        el("td", {}, a.detail),
      ),
    );
    const head = el(
      "tr",
      {},
      ...["time", "actor", "surface", "action", "outcome", "device", "detail"].map((h) => el("th", {}, h)),
    );
    $("audit").replaceChildren(el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows)));
  }

  const events = new EventSource("/playground/api/events");
  events.onopen = () => {
    $("live").textContent = "live";
    $("live").className = "live on";
  };
  events.onerror = () => {
    $("live").textContent = "reconnecting…";
    $("live").className = "live";
  };
  events.onmessage = () => update();
  setInterval(update, 3000);
  update();
}

main().catch(showError);
