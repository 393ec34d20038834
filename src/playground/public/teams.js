// The Teams pane: plays the Teams client. Messages, the "Reset passcode" message extension (fetchTask,
// submitAction), Action.Execute (adaptiveCard/action) and task/fetch go to POST /api/messages as Bot
// Framework activities whose serviceUrl is the Playground's Bot Connector; cards (dialogs and what the
// bot posts) are drawn with the adaptivecards renderer.
import { el } from "./blockkit.js";

const CARD = "application/vnd.microsoft.card.adaptive";
let seq = 0;

/** The little Markdown Teams shows in a message's text: bold, italic, line breaks. */
function markdown(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>")
    .replace(/(^|\s)_([^_]+)_/g, "$1<i>$2</i>")
    .replace(/\n/g, "<br>");
}

export function personalConversationOf(userId) {
  return `a:1on1-${userId.replace(/[^A-Za-z0-9-]/g, "")}`;
}

export function createTeamsPane(config, onError) {
  const $ = (id) => document.getElementById(id);
  const teams = config.teams;
  const feed = $("teams-feed");
  const dialogHost = $("teams-dialog");
  if (!teams) {
    feed.replaceChildren(el("div", { class: "empty" }, "Teams is switched off (TEAMS_ENABLED=false)."));
    $("teams-compose").hidden = true;
    return { render() {} };
  }
  const userSelect = $("teams-user");
  const whereSelect = $("teams-conversation");
  const overrides = new Map();
  const echoes = [];
  const installed = new Set();
  let state = null;

  for (const u of teams.users) userSelect.append(el("option", { value: u.id }, u.name));
  userSelect.value = (teams.users.find((u) => u.email.startsWith("ada.")) ?? teams.users[0])?.id ?? "";
  whereSelect.append(
    el("option", { value: "channel" }, `${teams.channel.name} (channel)`),
    el("option", { value: "personal" }, "Chat with Latchkey"),
  );
  const me = () => teams.users.find((u) => u.id === userSelect.value);
  const personal = () => whereSelect.value === "personal";
  const conversationId = () => (personal() ? personalConversationOf(me().id) : teams.channel.id);
  const rerender = () => {
    $("teams-hint").textContent = personal()
      ? "Say help, my devices, status, or reset passcode felix.field@example.com."
      : "In a channel, use the Reset passcode… message extension (Latchkey does not read channel messages).";
    if (personal() && !installed.has(me().id)) {
      installed.add(me().id);
      activity({ type: "installationUpdate", action: "add" }).catch(onError);
    }
    if (state) render(state);
  };
  userSelect.addEventListener("change", rerender);
  whereSelect.addEventListener("change", rerender);

  function base() {
    const u = me();
    const channel = !personal();
    return {
      id: `pg-${Date.now()}-${++seq}`,
      channelId: "msteams",
      serviceUrl: teams.serviceUrl,
      timestamp: new Date().toISOString(),
      from: { id: u.id, name: u.name, aadObjectId: u.aadObjectId },
      recipient: teams.bot,
      conversation: {
        id: conversationId(),
        conversationType: channel ? "channel" : "personal",
        tenantId: teams.tenantId,
        ...(channel ? { isGroup: true } : {}),
      },
      channelData: {
        tenant: { id: teams.tenantId },
        ...(channel ? { team: { id: teams.channel.team }, channel: { id: teams.channel.id } } : {}),
      },
    };
  }
  async function activity(fields) {
    const res = await fetch("/api/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...base(), ...fields }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`Teams endpoint answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }
  const invoke = (name, value) => activity({ type: "invoke", name, value });

  $("teams-compose").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("teams-input");
    const text = input.value.trim();
    if (!text || !personal()) return;
    input.value = "";
    echoes.push({ at: Date.now(), conversationId: conversationId(), user: me().id, text });
    if (state) render(state);
    activity({ type: "message", text }).catch(onError);
  });
  $("teams-extension").addEventListener("click", () => {
    invoke("composeExtension/fetchTask", {
      commandId: "resetPasscode",
      commandContext: "compose",
      context: { theme: "default" },
    })
      .then((answer) => showTask(answer, "composeExtension/submitAction"))
      .catch(onError);
  });

  /** A task-module answer: a dialog to show (its Submit sends `submitName`), a message, or nothing. */
  function showTask(answer, submitName) {
    const task = answer?.task;
    if (task?.type === "continue") {
      const card = task.value?.card?.content;
      const node = renderCard(card, async (action) => {
        const data = action.data ?? {};
        const value =
          submitName === "composeExtension/submitAction"
            ? { commandId: "resetPasscode", commandContext: "compose", context: { theme: "default" }, data }
            : { data, context: { theme: "default" } };
        showTask(await invoke(submitName, value), submitName);
      });
      openDialog(task.value?.title ?? "Latchkey", node);
    } else if (task?.type === "message") {
      openDialog("Latchkey", el("p", {}, String(task.value)));
    } else closeDialog();
  }
  function openDialog(title, node) {
    dialogHost.replaceChildren(
      el(
        "div",
        { class: "modal", role: "dialog" },
        el(
          "div",
          { class: "title" },
          el("span", {}, title),
          el("button", { type: "button", onclick: closeDialog }, "✕"),
        ),
        el("div", { class: "body" }, node),
      ),
    );
    dialogHost.hidden = false;
  }
  function closeDialog() {
    dialogHost.hidden = true;
    dialogHost.replaceChildren();
  }

  /** Actions on a card the bot posted: Execute -> adaptiveCard/action; Submit -> task/fetch or a message. */
  async function cardAction(message, action) {
    const type = action.getJsonTypeName();
    const data = action.data ?? {};
    if (type === "Action.Execute") {
      const answer = await invoke("adaptiveCard/action", {
        action: { type, id: action.id, verb: action.verb, data },
        trigger: "manual",
      });
      if (answer?.type === CARD) overrides.set(message.id, answer.value);
      else if (answer?.value) openDialog("Latchkey", el("p", {}, String(answer.value)));
      if (state) render(state);
    } else if (data.msteams?.type === "task/fetch") {
      showTask(await invoke("task/fetch", { data, context: { theme: "default" } }), "task/submit");
    } else {
      await activity({ type: "message", value: data });
    }
  }

  function renderCard(content, onAction) {
    const card = new AdaptiveCards.AdaptiveCard();
    card.onExecuteAction = (action) => Promise.resolve(onAction(action)).catch(onError);
    try {
      card.parse(content);
      return el("div", { class: "card-host" }, card.render());
    } catch (err) {
      return el("pre", {}, `Card could not be drawn: ${err}`);
    }
  }

  function messageNode(m, replies = []) {
    const a = m.activity;
    const cards = (a.attachments ?? [])
      .filter((x) => x.contentType === CARD)
      .map((x) => renderCard(overrides.get(m.id) ?? x.content, (action) => cardAction(m, action)));
    return el(
      "div",
      { class: "teams-msg", "data-id": m.id },
      el("span", { class: "who" }, "Latchkey "),
      el("span", { class: "when" }, new Date(m.at).toLocaleTimeString()),
      m.edits > 0 ? el("span", { class: "edited" }, " (edited)") : null,
      a.text ? el("div", { html: markdown(a.text) }) : null,
      a.summary && !a.text && !cards.length ? el("div", {}, a.summary) : null,
      ...cards,
      replies.length ? el("div", { class: "thread" }, ...replies.map((r) => messageNode(r))) : null,
    );
  }

  let shown = "";
  function render(next) {
    state = next;
    const id = conversationId();
    const all = next.teams.messages;
    // Redrawn only when something changed: a card being filled in keeps its inputs.
    const key = JSON.stringify([
      id,
      all.map((m) => [m.id, m.edits]),
      overrides.size,
      echoes.length,
      [...overrides.values()],
    ]);
    if (key === shown) return;
    shown = key;
    const roots = all.filter((m) => m.conversationId === id);
    const items = roots.map((m) => ({
      at: m.at,
      node: messageNode(
        m,
        all.filter((r) => r.conversationId === `${id};messageid=${m.id}`),
      ),
    }));
    for (const e of echoes.filter((x) => x.conversationId === id)) {
      items.push({
        at: e.at,
        node: el("div", { class: "teams-msg" }, el("span", { class: "who" }, `${me().name} `), e.text),
      });
    }
    items.sort((x, y) => x.at - y.at);
    const atBottom = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 40;
    feed.replaceChildren(
      ...(items.length ? items.map((i) => i.node) : [el("div", { class: "empty" }, "No messages yet.")]),
    );
    if (atBottom) feed.scrollTop = feed.scrollHeight;
  }

  rerender();
  return { render };
}
