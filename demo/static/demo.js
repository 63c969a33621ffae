// Tandem demo page: one chat at a time, refreshed on server-sent events. Every text is put into
// the page as text nodes; the bot's formatting is rebuilt from the entities the Bot API stand-in
// parsed (as a Telegram app does), so no message, name or button label ever becomes HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { current: null, bot: "", people: [], seen: {}, nodes: new Map(), version: -1, busy: false };

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (!response.ok) throw new Error((await response.text()) || response.statusText);
  return response.json();
}

function toast(text, alert) {
  if (!text) return;
  if (alert) { window.alert(text); return; }
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 2500);
}

// -- Telegram formatting ------------------------------------------------------------------------

const TAGS = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code",
  blockquote: "blockquote", expandable_blockquote: "blockquote" };
const URL_RE = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;

function startCode(href) {
  // A link to this bot with ?start=… is an invitation: in Telegram it opens the chat and sends
  // "/start CODE". Here it does the same for the person shown.
  try {
    const url = new URL(href);
    const bot = url.pathname.replace(/^\//, "");
    if ((url.hostname === "t.me" || url.hostname === "telegram.me") && bot.toLowerCase() === state.bot.toLowerCase()) {
      return url.searchParams.get("start") || "";
    }
  } catch (e) { /* not a URL */ }
  return null;
}

function link(href, text) {
  const a = el("a", null, text);
  const code = startCode(href);
  if (code !== null) {
    a.href = "#";
    a.title = "Einladungslink: sendet /start " + code;
    a.addEventListener("click", (event) => { event.preventDefault(); send(code ? "/start " + code : "/start"); });
  } else if (/^(https?:|mailto:|tel:)/i.test(href)) {
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
  }
  return a;
}

function plain(parent, text, linkify) {
  if (!linkify) { parent.appendChild(document.createTextNode(text)); return; }
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
    parent.appendChild(link(match[0], match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
}

function entityNode(entity, text) {
  const slice = text.slice(entity.offset, entity.offset + entity.length);
  switch (entity.type) {
    case "text_link": return link(entity.url || "", null);
    case "url": return link(slice, null);
    case "pre": return el("pre");
    case "spoiler": {
      const span = el("span", "spoiler");
      span.addEventListener("click", () => span.classList.add("shown"));
      return span;
    }
    default: return el(TAGS[entity.type] || "span");
  }
}

// Offsets are UTF-16 code units, which is what JavaScript strings index by. HTML nests its tags,
// so the entities form a tree: each one holds the ones that start inside it.
function formatted(text, entities) {
  const sorted = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
  const root = document.createDocumentFragment();
  function build(parent, start, end, list, linkify) {
    let pos = start;
    let i = 0;
    while (i < list.length) {
      const entity = list[i];
      const stop = Math.min(entity.offset + entity.length, end);
      if (entity.offset > pos) plain(parent, text.slice(pos, entity.offset), linkify);
      const inner = [];
      i += 1;
      while (i < list.length && list[i].offset < stop) { inner.push(list[i]); i += 1; }
      const node = entityNode(entity, text);
      const isLink = node.tagName === "A" || node.tagName === "CODE" || node.tagName === "PRE";
      build(node, Math.max(entity.offset, pos), stop, inner, linkify && !isLink);
      parent.appendChild(node);
      pos = Math.max(pos, stop);
    }
    if (pos < end) plain(parent, text.slice(pos, end), linkify);
  }
  build(root, 0, text.length, sorted, true);
  return root;
}

// -- rendering ---------------------------------------------------------------------------------

function clock(iso) {
  const date = new Date(iso);
  return date.toLocaleString("de-DE", { weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", timeZone: "Europe/Berlin" });
}

function dayOf(iso) {
  return new Date(iso).toLocaleDateString("de-DE", { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "Europe/Berlin" });
}

function timeOf(iso) {
  return new Date(iso).toLocaleTimeString("de-DE", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Berlin" });
}

function sizeOf(bytes) {
  return bytes < 1024 ? bytes + " B" : bytes < 1048576 ? (bytes / 1024).toFixed(1) + " KB" : (bytes / 1048576).toFixed(1) + " MB";
}

function documentNode(doc) {
  const box = el("div", "document");
  const ext = (doc.name.split(".").pop() || "").slice(0, 4).toUpperCase();
  box.appendChild(el("span", "doc-icon", ext));
  const info = el("div", "doc-info");
  info.appendChild(el("span", "doc-name", doc.name));
  const links = el("span", "doc-links");
  links.appendChild(el("span", null, sizeOf(doc.size)));
  const path = "/files/" + encodeURIComponent(doc.file_id);
  if (doc.mime === "application/pdf" || doc.mime === "image/png") {
    const open = el("a", null, "Öffnen");
    open.href = path + "?open=1";
    open.target = "_blank";
    open.rel = "noopener";
    links.appendChild(open);
  }
  const download = el("a", "download", "Herunterladen");
  download.href = path;
  download.setAttribute("download", doc.name);
  links.appendChild(download);
  info.appendChild(links);
  box.appendChild(info);
  return box;
}

function keyboardNode(entry) {
  const keyboard = el("div", "keyboard");
  for (const row of entry.buttons) {
    const line = el("div", "krow");
    for (const button of row) {
      if (button.url) {
        const a = link(button.url, button.text);
        line.appendChild(a);
        continue;
      }
      const node = el("button", null, button.text);
      node.type = "button";
      node.dataset.data = button.data || "";
      node.addEventListener("click", () => press(entry.id, button.data, node));
      line.appendChild(node);
    }
    keyboard.appendChild(line);
  }
  return keyboard;
}

function entryNode(entry) {
  const box = el("div", "msg " + entry.from);
  box.dataset.seq = entry.seq;
  if (entry.id) box.dataset.id = entry.id;
  const bubble = el("div", "bubble");
  if (entry.deleted) {  // gone, as in Telegram
    box.hidden = true;
  } else {
    if (entry.document) bubble.appendChild(documentNode(entry.document));
    if (entry.from === "bot") bubble.appendChild(formatted(entry.text, entry.entities));
    else bubble.appendChild(document.createTextNode(entry.text));
  }
  bubble.appendChild(el("span", "meta", (entry.edits ? "bearbeitet " : "") + timeOf(entry.time)));
  box.appendChild(bubble);
  if (!entry.deleted && entry.buttons && entry.buttons.length) box.appendChild(keyboardNode(entry));
  return box;
}

function signature(entry) {
  return entry.from + ":" + (entry.edits || 0) + ":" + (entry.deleted ? 1 : 0);
}

function renderChat(data) {
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const empty = list.querySelector(".empty");
  if (empty) empty.remove();
  for (const entry of data.entries) {
    const known = state.nodes.get(entry.seq);
    if (known && known.sig === signature(entry)) continue;
    const node = entryNode(entry);
    if (known) known.node.replaceWith(node);  // an edit: in place
    else {
      const day = dayOf(entry.time);  // a separator where the (bot's) day changes, as Telegram
      if (day !== state.lastDay) list.appendChild(el("div", "day", day));
      state.lastDay = day;
      list.appendChild(node);
    }
    state.nodes.set(entry.seq, { node, sig: signature(entry) });
  }
  if (!data.entries.length) list.appendChild(el("div", "empty", "Noch keine Nachrichten. Schreiben Sie /start."));
  if (atBottom || state.scroll) list.scrollTop = list.scrollHeight;
  state.scroll = false;
  renderMenu(data.commands);
}

function renderMenu(commands) {
  const menu = $("menu");
  menu.replaceChildren();
  for (const command of commands || []) {
    const item = el("button");
    item.type = "button";
    item.appendChild(el("span", "cmd", "/" + command.command));
    item.appendChild(el("span", "desc", command.description));
    item.addEventListener("click", () => { menu.hidden = true; send("/" + command.command); });
    menu.appendChild(item);
  }
}

function renderPeople(people) {
  const list = $("people");
  const known = new Set([...list.querySelectorAll(".person")].map((node) => Number(node.dataset.id)));
  for (const person of people) {
    if (!known.has(person.id)) {
      const item = el("li");
      const button = el("button", "person");
      button.type = "button";
      button.dataset.id = person.id;
      button.dataset.role = person.role;
      button.appendChild(el("span", "avatar", person.name.slice(0, 1)));
      const who = el("span", "who");
      who.appendChild(el("span", "name", person.name));
      who.appendChild(el("span", "role", person.role_label));
      button.appendChild(who);
      item.appendChild(button);
      list.appendChild(item);
    }
    const button = list.querySelector('.person[data-id="' + person.id + '"]');
    let badge = button.querySelector(".badge");
    const unread = person.id === state.current ? 0 : person.messages - (state.seen[person.id] ?? person.messages);
    if (unread > 0) {
      if (!badge) { badge = el("span", "badge"); button.appendChild(badge); }
      badge.textContent = unread;
    } else if (badge) badge.remove();
    if (state.seen[person.id] === undefined) state.seen[person.id] = person.messages;
  }
}

// -- actions -------------------------------------------------------------------------------------

async function refresh() {
  const data = await api("GET", "/api/state");
  state.bot = data.bot;
  state.people = data.people;
  $("clock").textContent = clock(data.now);
  $("clock").dateTime = data.now;
  if (state.current !== null) {
    const chat = await api("GET", "/api/chat/" + state.current);
    state.seen[state.current] = chat.entries.length;
    renderChat(chat);
  }
  renderPeople(data.people);
}

async function open(id) {
  state.current = id;
  state.nodes = new Map();
  state.lastDay = null;
  state.scroll = true;
  $("messages").replaceChildren();
  $("menu").hidden = true;
  for (const node of document.querySelectorAll(".person")) node.classList.toggle("active", Number(node.dataset.id) === id);
  const person = state.people.find((p) => p.id === id);
  $("chat-name").textContent = person ? person.name : "";
  $("chat-role").textContent = person ? person.role_label : "";
  document.body.classList.replace("show-list", "show-chat");
  await refresh();
  $("text").focus();
}

async function send(text) {
  if (state.current === null || !text.trim()) return;
  state.scroll = true;
  try {
    await api("POST", "/api/chat/" + state.current + "/send", { text });
  } catch (error) { toast(String(error.message || error)); }
  await refresh();
}

async function press(messageId, data, node) {
  node.disabled = true;
  try {
    const result = await api("POST", "/api/chat/" + state.current + "/press", { message_id: messageId, data });
    if (result.answer) toast(result.answer.text, result.answer.alert);
  } catch (error) {
    toast("Diese Schaltfläche gibt es nicht mehr.");
  } finally {
    node.disabled = false;
  }
  await refresh();
}

async function forward(step, button) {
  for (const b of document.querySelectorAll(".forward button")) b.disabled = true;
  try {
    const data = await api("POST", "/api/forward", { step });
    toast("Bot-Zeit jetzt: " + clock(data.now));
  } catch (error) { toast(String(error.message || error)); }
  for (const b of document.querySelectorAll(".forward button")) b.disabled = false;
  await refresh();
}

function listen() {
  const source = new EventSource("/api/events");
  source.addEventListener("version", (event) => {
    const version = Number(event.data);
    if (version === state.version) return;
    state.version = version;
    if (!state.busy) {
      state.busy = true;
      refresh().catch(() => {}).finally(() => { state.busy = false; });
    } else {
      setTimeout(() => refresh().catch(() => {}), 300);
    }
  });
}

function setup() {
  $("people").addEventListener("click", (event) => {
    const button = event.target.closest(".person");
    if (button) open(Number(button.dataset.id));
  });
  $("back").addEventListener("click", () => document.body.classList.replace("show-chat", "show-list"));
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value;
    $("text").value = "";
    send(text);
  });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("composer").requestSubmit(); }
  });
  $("menu-button").addEventListener("click", () => { $("menu").hidden = !$("menu").hidden; });
  for (const button of document.querySelectorAll(".forward button")) {
    button.addEventListener("click", () => forward(button.dataset.step, button));
  }
  $("add-person-open").addEventListener("click", () => { $("add-person").hidden = false; $("add-name").focus(); });
  $("add-person-cancel").addEventListener("click", () => { $("add-person").hidden = true; });
  $("add-person").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: $("add-name").value, language: $("add-language").value, invite: $("add-invite").checked };
    try {
      const person = await api("POST", "/api/people", body);
      $("add-person").hidden = true;
      $("add-name").value = "";
      await refresh();
      await open(person.id);
    } catch (error) { toast(String(error.message || error)); }
  });
  listen();
  refresh().catch((error) => toast(String(error)));
}

setup();
