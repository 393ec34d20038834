// Block Kit as Slack draws it, for the block types Latchkey sends: header, section (text, fields,
// a button accessory), divider, context, actions (buttons) and input (radio buttons, checkboxes,
// static select, plain text), and mrkdwn (bold, italic, strike, code, mentions, dates, links, emoji).

const EMOJI = {
  hourglass_flowing_sand: "⏳",
  mag: "🔍",
  key: "🔑",
  satellite_antenna: "📡",
  iphone: "📱",
  lock: "🔒",
  unlock: "🔓",
  white_check_mark: "✅",
  no_entry: "⛔",
  x: "❌",
  alarm_clock: "⏰",
  heavy_multiplication_x: "✖️",
  warning: "⚠️",
  repeat: "🔁",
  email: "📧",
  envelope: "✉️",
  speech_balloon: "💬",
  wastebasket: "🗑️",
  information_source: "ℹ️",
  rotating_light: "🚨",
  bust_in_silhouette: "👤",
  calendar: "📅",
  broom: "🧹",
  busts_in_silhouette: "👥",
  envelope_with_arrow: "📩",
  grey_question: "❔",
  large_green_circle: "🟢",
  no_entry_sign: "🚫",
  raised_hand: "✋",
  small_blue_diamond: "🔹",
};

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "html") node.innerHTML = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const escapeHtml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Slack mrkdwn to HTML. Slack's own escapes (&amp; &lt; &gt;) arrive already escaped. */
export function mrkdwn(text, users = []) {
  const tokens = [];
  const keep = (html) => `\uE000${tokens.push(html) - 1}\uE001`;
  let s = String(text ?? "");
  s = s.replace(/```([\s\S]*?)```/g, (_m, code) => keep(`<pre>${escapeHtml(unslack(code))}</pre>`));
  s = s.replace(/`([^`\n]+)`/g, (_m, code) => keep(`<code>${escapeHtml(unslack(code))}</code>`));
  s = s.replace(/<([^<>]+)>/g, (_m, inner) => keep(special(inner, users)));
  s = escapeHtml(unslack(s));
  s = s.replace(/\*([^*\n]+)\*/g, "<b>$1</b>");
  s = s.replace(/(^|[\s(])_([^_\n]+)_/g, "$1<i>$2</i>");
  s = s.replace(/~([^~\n]+)~/g, "<s>$1</s>");
  s = s.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] ?? m);
  s = s.replace(/\n/g, "<br>");
  return s.replace(/\uE000(\d+)\uE001/g, (_m, i) => tokens[Number(i)]);
}

function unslack(s) {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function special(inner, users) {
  const [target, label] = inner.split("|");
  if (target.startsWith("@")) {
    const user = users.find((u) => u.id === target.slice(1));
    return `<span class="mention">@${escapeHtml(label ?? user?.name ?? target.slice(1))}</span>`;
  }
  if (target.startsWith("#")) return `<span class="mention">#${escapeHtml(label ?? target.slice(1))}</span>`;
  if (target.startsWith("!date^")) {
    const seconds = Number(target.split("^")[1]);
    return escapeHtml(Number.isFinite(seconds) ? new Date(seconds * 1000).toLocaleString() : (label ?? ""));
  }
  if (target.startsWith("!")) return `<b>@${escapeHtml(target.slice(1))}</b>`;
  const url = unslack(target);
  const href = /^(https?:|mailto:)/.test(url) ? url : "#";
  return `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${escapeHtml(unslack(label ?? url))}</a>`;
}

function textNode(t, users) {
  if (!t) return null;
  if (t.type === "plain_text") return el("span", {}, t.text);
  return el("span", { class: "mrkdwn", html: mrkdwn(t.text, users) });
}

/**
 * Draws blocks. `onAction(element, block)` gets button clicks; `form` (in a modal) collects inputs:
 * it is filled with `blockId -> actionId -> read()`.
 */
export function renderBlocks(blocks, { users = [], onAction, form } = {}) {
  const out = el("div", { class: "blocks" });
  for (const block of blocks ?? []) out.append(renderBlock(block, { users, onAction, form }));
  return out;
}

function renderBlock(block, ctx) {
  const { users } = ctx;
  switch (block.type) {
    case "header":
      return el("div", { class: "blk header" }, textNode(block.text, users));
    case "divider":
      return el("hr", { class: "blk divider" });
    case "context":
      return el("div", { class: "blk context" }, ...(block.elements ?? []).map((e) => textNode(e, users)));
    case "section": {
      const fields = block.fields
        ? el("div", { class: "fields" }, ...block.fields.map((f) => el("div", {}, textNode(f, users))))
        : null;
      const accessory = block.accessory ? renderElement(block.accessory, block, ctx) : null;
      return el("div", { class: "blk section" }, textNode(block.text, users), fields, accessory);
    }
    case "actions":
      return el(
        "div",
        { class: "blk actions" },
        ...(block.elements ?? []).map((e) => renderElement(e, block, ctx)),
      );
    case "input": {
      const input = renderInput(block, ctx);
      return el(
        "div",
        { class: "input-block", "data-block": block.block_id },
        el("label", {}, block.label?.text ?? "", block.optional ? el("small", {}, " (optional)") : null),
        input,
        block.hint ? el("small", {}, block.hint.text) : null,
      );
    }
    default:
      return el("div", { class: "blk" }, `[${block.type} block]`);
  }
}

function renderElement(element, block, ctx) {
  if (element.type !== "button") return el("span", {}, `[${element.type}]`);
  const cls = element.style === "danger" ? "danger" : element.style === "primary" ? "primary" : "";
  return el(
    "button",
    {
      type: "button",
      class: cls,
      "data-action": element.action_id,
      onclick: () => {
        const c = element.confirm;
        if (c && !window.confirm(`${c.title?.text ?? "Are you sure?"}\n\n${c.text?.text ?? ""}`)) return;
        ctx.onAction?.(element, block);
      },
    },
    element.text?.text ?? "",
  );
}

function renderInput(block, ctx) {
  const e = block.element ?? {};
  const name = `${block.block_id}:${e.action_id}`;
  if (!ctx.form[block.block_id]) ctx.form[block.block_id] = {};
  const values = ctx.form[block.block_id];
  const optionValue = (o) => ({ text: o.text, value: o.value });
  if (e.type === "radio_buttons" || e.type === "checkboxes") {
    const kind = e.type === "radio_buttons" ? "radio" : "checkbox";
    const initial = new Set(
      [e.initial_option, ...(e.initial_options ?? [])].filter(Boolean).map((o) => o.value),
    );
    const boxes = (e.options ?? []).map((o) =>
      el(
        "label",
        { class: "option" },
        el("input", { type: kind, name, value: o.value, checked: initial.has(o.value) }),
        el(
          "span",
          {},
          textNode(o.text, ctx.users),
          o.description ? el("small", {}, o.description.text) : null,
        ),
      ),
    );
    const wrap = el("div", {}, ...boxes);
    values[e.action_id] = () => {
      const picked = (e.options ?? []).filter(
        (o) => wrap.querySelector(`input[value="${CSS.escape(o.value)}"]`)?.checked,
      );
      return kind === "radio"
        ? { type: e.type, selected_option: picked[0] ? optionValue(picked[0]) : null }
        : { type: e.type, selected_options: picked.map(optionValue) };
    };
    return wrap;
  }
  if (e.type === "static_select") {
    const select = el(
      "select",
      { name },
      el("option", { value: "" }, e.placeholder?.text ?? "Choose…"),
      ...(e.options ?? []).map((o) =>
        el("option", { value: o.value, selected: e.initial_option?.value === o.value }, o.text.text),
      ),
    );
    values[e.action_id] = () => {
      const o = (e.options ?? []).find((x) => x.value === select.value);
      return { type: e.type, selected_option: o ? optionValue(o) : null };
    };
    return select;
  }
  const input = el(e.multiline ? "textarea" : "input", { name, value: e.initial_value ?? "" });
  values[e.action_id] = () => ({ type: "plain_text_input", value: input.value || null });
  return input;
}

/** Reads a modal's inputs as Slack's `view.state.values`. */
export function readState(form) {
  const values = {};
  for (const [blockId, actions] of Object.entries(form)) {
    values[blockId] = {};
    for (const [actionId, read] of Object.entries(actions)) values[blockId][actionId] = read();
  }
  return values;
}
