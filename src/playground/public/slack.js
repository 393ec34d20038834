// The Slack pane: plays the Slack client. Slash commands, modal submissions and button clicks go to
// POST /slack/events signed with the signing secret, shaped as Slack sends them; what Latchkey
// posts back through the Web API (messages, threads, DMs, modals) comes from the Playground's state.
import { el, readState, renderBlocks } from "./blockkit.js";

const FORM = "application/x-www-form-urlencoded";
const APP_ID = "A0LATCHKEY";
const TOKEN = "playground-verification-token";
const enc = new TextEncoder();

export async function createSlackPane(config, onError) {
  const { team, users, channels } = config.slack;
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(config.signingSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const $ = (id) => document.getElementById(id);
  const userSelect = $("slack-user");
  const channelSelect = $("slack-channel");
  const feed = $("slack-feed");
  const modalHost = $("slack-modal");
  const echoes = [];
  let state = null;
  let shownModal = null;

  for (const u of users) userSelect.append(el("option", { value: u.id }, `${u.realName} (@${u.name})`));
  userSelect.value = (users.find((u) => u.email.startsWith("ada.")) ?? users[0])?.id ?? "";
  const fillChannels = () => {
    channelSelect.replaceChildren(
      ...channels.map((c) => el("option", { value: c.id }, `#${c.name}`)),
      el("option", { value: `D${userSelect.value}` }, "Latchkey (direct message)"),
    );
  };
  fillChannels();
  userSelect.addEventListener("change", () => {
    fillChannels();
    shownModal = null;
    if (state) render(state);
  });
  channelSelect.addEventListener("change", () => state && render(state));

  const me = () => users.find((u) => u.id === userSelect.value);
  const userObj = () => ({ id: me().id, username: me().name, name: me().name, team_id: team.id });

  async function sign(body) {
    const ts = Math.floor(Date.now() / 1000);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(`v0:${ts}:${body}`)));
    const hex = [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
    return { "x-slack-signature": `v0=${hex}`, "x-slack-request-timestamp": String(ts) };
  }
  async function send(body) {
    const res = await fetch("/slack/events", {
      method: "POST",
      headers: { "content-type": FORM, ...(await sign(body)) },
      body,
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`Slack endpoint answered ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }
  const post = (path, body) =>
    fetch(`/playground/slack/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((r) => r.json());
  const trigger = async () => (await post("ui/trigger", { user: me().id })).triggerId;
  const responseUrl = () => `${config.slack.responseUrlBase}${encodeURIComponent(me().id)}/${Date.now()}`;
  const interaction = (payload) => send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());

  /** `/reset-passcode @felix` as Slack sends it: mentions escaped (`<@U…|felix>`), should_escape. */
  function escapeMentions(text) {
    return text.replace(/@([\w.-]+)/g, (m, name) => {
      const n = name.toLowerCase();
      const u = users.find(
        (x) => x.name === n || x.id.toLowerCase() === n || x.realName.split(" ")[0].toLowerCase() === n,
      );
      return u ? `<@${u.id}|${u.name}>` : m;
    });
  }

  async function command(line) {
    const [cmd, ...rest] = line.trim().split(/\s+/);
    const channel = channelSelect.value;
    echoes.push({ at: Date.now(), channel, user: me().id, text: line });
    const form = new URLSearchParams({
      token: TOKEN,
      team_id: team.id,
      team_domain: team.domain,
      channel_id: channel,
      channel_name: channel.startsWith("D")
        ? "directmessage"
        : (channels.find((c) => c.id === channel)?.name ?? ""),
      user_id: me().id,
      user_name: me().name,
      command: cmd,
      text: escapeMentions(rest.join(" ")),
      api_app_id: APP_ID,
      is_enterprise_install: "false",
      response_url: responseUrl(),
      trigger_id: await trigger(),
    });
    if (state) render(state);
    await send(form.toString());
  }

  $("slack-compose").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("slack-input");
    const line = input.value.trim();
    if (!line) return;
    input.value = "";
    if (!line.startsWith("/")) {
      echoes.push({
        at: Date.now(),
        channel: channelSelect.value,
        user: me().id,
        text: `${line}\n(Latchkey answers slash commands here: try /reset-passcode help)`,
      });
      if (state) render(state);
      return;
    }
    command(line).catch(onError);
  });

  async function clickInMessage(message, element, block) {
    await interaction({
      type: "block_actions",
      team,
      user: userObj(),
      api_app_id: APP_ID,
      token: TOKEN,
      trigger_id: await trigger(),
      container: {
        type: "message",
        message_ts: message.ts,
        channel_id: message.channel,
        is_ephemeral: false,
      },
      channel: { id: message.channel, name: message.channel },
      message: { type: "message", ts: message.ts, text: message.text, blocks: message.blocks },
      response_url: responseUrl(),
      state: { values: {} },
      actions: [
        {
          action_id: element.action_id,
          block_id: block.block_id ?? "actions",
          value: element.value,
          type: "button",
          action_ts: `${Date.now() / 1000}`,
        },
      ],
      is_enterprise_install: false,
      enterprise: null,
    });
  }

  async function submitModal(view, form) {
    const values = readState(form);
    const answer = await interaction({
      type: "view_submission",
      team,
      user: userObj(),
      api_app_id: APP_ID,
      token: TOKEN,
      trigger_id: await trigger(),
      view: { ...view, state: { values } },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    });
    const op = answer?.response_action ?? "pop";
    shownModal = null;
    await post("ui/modal", { user: me().id, op, view: answer?.view, errors: answer?.errors });
  }

  function renderModal(view) {
    const key = view ? `${view.id}:${view.hash}:${JSON.stringify(view.errors ?? null)}` : "none";
    if (key === shownModal) return;
    shownModal = key;
    if (!view) {
      modalHost.hidden = true;
      modalHost.replaceChildren();
      return;
    }
    const form = {};
    const body = renderBlocks(view.blocks, { users, form, onAction: () => {} });
    for (const [blockId, message] of Object.entries(view.errors ?? {})) {
      body
        .querySelector(`[data-block="${CSS.escape(blockId)}"]`)
        ?.append(el("div", { class: "error" }, message));
    }
    const close = () => post("ui/modal", { user: me().id, op: "pop" }).catch(onError);
    modalHost.replaceChildren(
      el(
        "div",
        { class: "modal", role: "dialog", "data-callback": view.callback_id },
        el(
          "div",
          { class: "title" },
          el("span", {}, view.title?.text ?? ""),
          el("button", { type: "button", onclick: close }, "✕"),
        ),
        el("div", { class: "body" }, body),
        el(
          "div",
          { class: "foot" },
          el("button", { type: "button", onclick: close }, view.close?.text ?? "Close"),
          view.submit
            ? el(
                "button",
                { type: "button", class: "primary", onclick: () => submitModal(view, form).catch(onError) },
                view.submit.text,
              )
            : null,
        ),
      ),
    );
    modalHost.hidden = false;
  }

  function messageNode(m, replies = []) {
    const blocks = m.blocks?.length
      ? renderBlocks(m.blocks, {
          users,
          onAction: (element, block) => clickInMessage(m, element, block).catch(onError),
        })
      : el("div", { class: "mrkdwn" }, m.text);
    return el(
      "div",
      { class: "msg", "data-ts": m.ts },
      el("span", { class: "who" }, "Latchkey"),
      el("span", { class: "when" }, new Date(Number(m.ts.split(".")[0]) * 1000).toLocaleTimeString()),
      m.edits > 0 ? el("span", { class: "edited" }, " (edited)") : null,
      blocks,
      replies.length ? el("div", { class: "thread" }, ...replies.map((r) => messageNode(r))) : null,
    );
  }

  function render(next) {
    state = next;
    const s = next.slack;
    const channel = channelSelect.value;
    const inChannel = s.messages.filter((m) => m.channel === channel);
    const roots = inChannel.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    const items = roots.map((m) => ({
      at: Number(m.ts.split(".")[0]) * 1000,
      node: messageNode(
        m,
        inChannel.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts),
      ),
    }));
    const mine = [...s.ephemerals, ...echoes].filter(
      (e) => e.user === me().id && (e.channel === channel || e.channel === "response"),
    );
    for (const e of mine) {
      items.push({
        at: e.at,
        node: el(
          "div",
          { class: "msg ephemeral" },
          el("span", { class: "who" }, echoes.includes(e) ? me().realName : "Latchkey"),
          el("span", { class: "only" }, "Only visible to you"),
          e.blocks?.length ? renderBlocks(e.blocks, { users }) : el("div", { class: "mrkdwn" }, e.text),
        ),
      });
    }
    items.sort((a, b) => a.at - b.at);
    const atBottom = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 40;
    feed.replaceChildren(
      ...(items.length ? items.map((i) => i.node) : [el("div", { class: "empty" }, "No messages yet.")]),
    );
    if (atBottom) feed.scrollTop = feed.scrollHeight;
    renderModal(s.modals[me().id]?.at(-1) ?? null);
  }

  return { render };
}
