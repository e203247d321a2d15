// The sample host's approval page: plain JavaScript, no framework, no build step.
// Everything it shows about a pause comes from the server (GET /conversations): nothing is kept in the browser
// but the sample sign-in cookie, so a reload, a second tab or another browser finds the same pause.
"use strict";

const USER_COOKIE = "agent_user";
const CLIENT_TOOL = {
  name: "get_local_time",
  description: "The local date, time and time zone of the user's browser.",
  parameters: { type: "object", properties: {} },
};

const $ = (id) => document.getElementById(id);
const ui = {
  app: $("app"), signIn: $("sign-in"), signedIn: $("signed-in"), userId: $("user-id"), userName: $("user-name"),
  signOut: $("sign-out"), conversations: $("conversations"), newConversation: $("new-conversation"),
  transcript: $("transcript"), pause: $("pause"), status: $("status"), composer: $("composer"),
  message: $("message"), offerClientTool: $("offer-client-tool"), send: $("send"),
};

let user = readUser();
let current = null;        // id of the conversation on screen, or null for a new one
let busy = false;          // a stream or resume of this tab is running
let expiryTimer = 0;

// ---- sign-in (sample only) -------------------------------------------------------------------------------------

function readUser() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith(USER_COOKIE + "="));
  return cookie ? decodeURIComponent(cookie.slice(USER_COOKIE.length + 1)) : "";
}

function writeUser(value) {
  const age = value ? 60 * 60 * 24 * 30 : 0;
  document.cookie = `${USER_COOKIE}=${encodeURIComponent(value)}; path=/; max-age=${age}; SameSite=Strict`;
}

ui.signIn.addEventListener("submit", (event) => {
  event.preventDefault();
  const value = ui.userId.value.trim();
  if (!value) return;
  writeUser(value);
  user = value;
  current = null;
  start();
});

ui.signOut.addEventListener("click", () => {
  writeUser("");
  user = "";
  current = null;
  start();
});

// ---- talking to the host ---------------------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { "X-User-Id": user, Accept: "application/json, text/event-stream" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function errorOf(response) {
  try {
    return (await response.json()).error || `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

// Reads a text/event-stream body as it arrives: one call of onEvent per "event:/data:" block.
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      onEvent(name, data ? JSON.parse(data) : null);
    }
  }
}

// ---- what the page shows ---------------------------------------------------------------------------------------

function setPhase(phase, text = "", kind = "info") {
  document.body.dataset.phase = phase;
  ui.status.textContent = text;
  ui.status.dataset.kind = kind;
  const locked = busy || phase === "paused" || phase === "resuming-elsewhere";
  ui.message.disabled = locked;
  ui.send.disabled = locked;
  ui.offerClientTool.disabled = locked;
  ui.newConversation.disabled = busy;
}

function bubble(role, text = "") {
  const element = document.createElement("div");
  element.className = `message ${role}`;
  element.textContent = text;
  ui.transcript.append(element);
  element.scrollIntoView({ block: "end" });
  return element;
}

function note(text, kind) {
  const element = bubble("note", text);
  element.dataset.kind = kind;
  return element;
}

// The messages saved with a pause, so a reload shows the conversation up to the question.
function showMessages(messages) {
  ui.transcript.replaceChildren();
  const toolNames = new Map();
  for (const message of messages || []) {
    for (const call of message.tool_calls || []) toolNames.set(call.id, call.name);
    if ((message.role === "user" || message.role === "assistant") && message.content) bubble(message.role, message.content);
    else if (message.role === "tool") {
      const name = toolNames.get(message.tool_call_id) || message.tool_call_id;
      const denied = message.content.includes('"denied":true');
      note(denied ? `${name} was denied and did not run.` : `${name} ran: ${message.content}`, denied ? "denied" : "tool");
    }
  }
}

function formatTime(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function renderList(conversations) {
  ui.conversations.replaceChildren();
  for (const conversation of conversations) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "conversation" + (conversation.id === current ? " current" : "");
    button.dataset.id = conversation.id;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = conversation.name || "Untitled";
    button.title = name.textContent;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.dataset.status = conversation.pause ? conversation.pause.status : "none";
    badge.textContent = conversation.pause ? { pending: "waiting for you", resuming: "resuming", expired: "expired" }[conversation.pause.status] : "";
    button.append(name, badge);
    button.addEventListener("click", () => { if (!busy) { current = conversation.id; refresh(); } });
    item.append(button);
    ui.conversations.append(item);
  }
}

// The approval card: every pending call with its arguments; Approve/Deny for server tools, a small form for
// client tools. The resume is sent once every call has an answer.
function showCard(conversationId, pause) {
  clearTimeout(expiryTimer);
  ui.pause.replaceChildren();
  const card = document.createElement("div");
  card.id = "pause-card";
  card.className = "card";
  card.dataset.conversation = conversationId;
  card.dataset.kind = pause.kind;

  const title = document.createElement("h3");
  title.textContent = pause.kind === "client_tool_required" ? "The agent needs something from this browser" : "The agent asks for your approval";
  card.append(title);
  if (pause.expires_at) {
    const until = document.createElement("p");
    until.className = "expires";
    until.textContent = `Waiting until ${formatTime(pause.expires_at)}; after that the request expires.`;
    card.append(until);
    // The server decides expiry (its database clock); this only asks it again when the time has come.
    const wait = new Date(pause.expires_at).getTime() - Date.now() + 1000;
    if (wait > 0 && wait < 2 ** 31) expiryTimer = setTimeout(() => { if (!busy) refresh(); }, wait);
  }

  const actions = new Map();
  const submit = () => {
    if (actions.size === pause.pending_tool_calls.length) resume(conversationId, [...actions.values()]);
  };

  for (const call of pause.pending_tool_calls) {
    const row = document.createElement("div");
    row.className = "tool-call";
    row.dataset.callId = call.call_id;
    const name = document.createElement("div");
    name.className = "tool-name";
    name.textContent = call.name;
    const args = document.createElement("pre");
    args.className = "tool-arguments";
    args.textContent = JSON.stringify(call.arguments, null, 2);
    row.append(name, args);

    const buttons = document.createElement("div");
    buttons.className = "buttons";
    if (call.execution === "client") {
      const label = document.createElement("label");
      label.textContent = "Result to send back (JSON or text)";
      const input = document.createElement("textarea");
      input.className = "tool-result";
      input.rows = 2;
      input.value = call.name === CLIENT_TOOL.name ? JSON.stringify(localTime()) : "";
      label.append(input);
      const send = actionButton("Send result", "send-result", "approve", () => {
        actions.set(call.call_id, { call_id: call.call_id, result: parseResult(input.value) });
        submit();
      });
      row.append(label);
      buttons.append(send);
    } else {
      buttons.append(
        actionButton("Approve", "approve", "approve", () => { actions.set(call.call_id, { call_id: call.call_id, decision: "approve" }); submit(); }),
        actionButton("Deny", "deny", "deny", () => { actions.set(call.call_id, { call_id: call.call_id, decision: "deny" }); submit(); }));
    }
    row.append(buttons);
    card.append(row);
  }
  ui.pause.append(card);
  card.scrollIntoView({ block: "end" });
}

function actionButton(text, action, style, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = text;
  button.dataset.action = action;
  button.className = style;
  button.addEventListener("click", onClick);
  return button;
}

function lockCard() {
  for (const control of ui.pause.querySelectorAll("button, textarea")) control.disabled = true;
}

function localTime() {
  return { local_time: new Date().toString(), time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone };
}

function parseResult(text) {
  try { return JSON.parse(text); } catch { return text; }
}

// ---- what the page does ----------------------------------------------------------------------------------------

// Asks the server for the user's conversations and shows the one on screen as the server has it.
async function refresh() {
  const response = await api("GET", "/conversations");
  if (!response.ok) {
    setPhase("error", `Could not load your conversations: ${await errorOf(response)}`, "error");
    return null;
  }
  const conversations = await response.json();
  // A fresh page (reload, new tab, another browser) opens the newest conversation that has a pause.
  if (current === null) current = conversations.find((c) => c.pause)?.id ?? null;
  renderList(conversations);
  const conversation = conversations.find((c) => c.id === current);
  clearTimeout(expiryTimer);
  ui.pause.replaceChildren();
  if (!conversation) {
    ui.transcript.replaceChildren();
    setPhase("idle", "Type a message to start.");
    return null;
  }

  const pause = conversation.pause;
  if (!pause) {
    if (!busy && ui.transcript.childElementCount === 0) note("Nothing is waiting in this conversation.", "info");
    setPhase("idle", "");
    return conversation;
  }

  showMessages(pause.messages);
  if (pause.status === "pending") {
    showCard(conversation.id, pause);
    setPhase("paused", "The answer is paused until you decide.");
  } else if (pause.status === "resuming") {
    showResumingElsewhere(conversation.id, "A resume of this request is already in progress in another tab or on another device.");
  } else {
    note(`This request expired at ${formatTime(pause.expires_at)}; nothing was run. Send your message again to start over.`, "expired");
    setPhase("expired", "The request expired.", "expired");
  }
  return conversation;
}

function showResumingElsewhere(conversationId, text) {
  ui.pause.replaceChildren();
  const card = document.createElement("div");
  card.id = "in-progress";
  card.className = "card muted";
  const message = document.createElement("p");
  message.textContent = text;
  card.append(message, actionButton("Check again", "check-again", "plain", () => refresh()));
  ui.pause.append(card);
  setPhase("resuming-elsewhere", text, "conflict");
}

// Runs one streamed turn (a new message or a resume): tokens into one assistant bubble, then the pause or the end.
async function runStream(response) {
  let answer = null;
  let last = null;
  await readEvents(response, (name, data) => {
    last = name;
    switch (name) {
      case "token":
        answer = answer || bubble("assistant");
        answer.textContent += data.text;
        break;
      case "tool_result":
        note(`${data.name} ran: ${JSON.stringify(data.result)}`, "tool");
        answer = null;
        break;
      case "tool_denied":
        note(`${data.name} was denied and did not run.`, "denied");
        answer = null;
        break;
      case "tool_approval_required":
      case "client_tool_required":
        // The card is drawn from the server's copy once the stream ends (see finish), as after a reload.
        break;
      case "done":
        note("The answer is complete.", "done");
        break;
      case "error":
        note(data.error, "error");
        break;
    }
  });
  return last;
}

async function sendMessage(text) {
  busy = true;
  setPhase("streaming", "The agent is answering…");
  try {
    if (current === null) {
      const created = await api("POST", "/conversations", { name: text.slice(0, 60) });
      if (!created.ok) throw new Error(await errorOf(created));
      current = (await created.json()).id;
      ui.transcript.replaceChildren();
    }
    ui.pause.replaceChildren();
    bubble("user", text);
    const tools = ui.offerClientTool.checked ? [CLIENT_TOOL] : [];
    const response = await api("POST", `/conversations/${current}/stream`, { message: text, client_tools: tools });
    if (!response.ok) throw new Error(await errorOf(response));
    const last = await runStream(response);
    busy = false;
    finish(last);
  } catch (error) {
    busy = false;
    note(error.message, "error");
    setPhase("error", error.message, "error");
  }
  refreshList();
}

async function resume(conversationId, actions) {
  busy = true;
  lockCard();
  setPhase("streaming", "Resuming…");
  try {
    const response = await api("POST", `/conversations/${conversationId}/resume`, { actions });
    if (response.status === 409) {
      busy = false;
      showResumingElsewhere(conversationId, `${await errorOf(response)} Another tab or device is answering this request.`);
      return;
    }
    if (response.status === 404) {
      busy = false;
      // Expired, or answered elsewhere meanwhile: the server's list tells which.
      await refresh();
      if (document.body.dataset.phase === "idle") {
        note("This request is no longer waiting: it was answered elsewhere.", "gone");
        setPhase("idle", "Nothing is waiting in this conversation.");
      }
      return;
    }
    if (!response.ok) {
      busy = false;
      const error = await errorOf(response);
      await refresh();
      setPhase(document.body.dataset.phase, error, "error");
      return;
    }
    ui.pause.replaceChildren();
    document.body.dataset.resume = "streaming";   // this tab holds the claim now
    const last = await runStream(response);
    document.body.dataset.resume = "finished";
    busy = false;
    finish(last);
  } catch (error) {
    busy = false;
    note(error.message, "error");
    setPhase("error", error.message, "error");
  }
  refreshList();
}

function finish(lastEvent) {
  if (lastEvent === "done") setPhase("done", "Nothing is left to resume in this conversation.", "done");
  else if (lastEvent === "tool_approval_required" || lastEvent === "client_tool_required") {
    // Saved before the event was sent: show it as the server has it (with its expiry), as a reload would.
    refresh().catch((error) => setPhase("error", error.message, "error"));
  } else if (lastEvent === "error") setPhase("error", "The turn failed; see above.", "error");
  else setPhase("error", "The stream ended without an answer; reload to see where it stands.", "error");
}

// The sidebar only: the conversation on screen keeps what this tab streamed.
async function refreshList() {
  try {
    const response = await api("GET", "/conversations");
    if (response.ok) renderList(await response.json());
  } catch {
    // Only the sidebar is stale; the next refresh redraws it.
  }
}

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.message.value.trim();
  if (!text || busy) return;
  ui.message.value = "";
  sendMessage(text);
});

ui.message.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
});

ui.newConversation.addEventListener("click", () => {
  current = null;
  ui.transcript.replaceChildren();
  ui.pause.replaceChildren();
  clearTimeout(expiryTimer);
  refreshList();
  setPhase("idle", "Type a message to start.");
  ui.message.focus();
});

function start() {
  clearTimeout(expiryTimer);
  ui.transcript.replaceChildren();
  ui.pause.replaceChildren();
  ui.conversations.replaceChildren();
  ui.signIn.hidden = Boolean(user);
  ui.signedIn.hidden = !user;
  ui.app.hidden = !user;
  ui.userName.textContent = user;
  if (!user) {
    setPhase("signed-out", "");
    ui.userId.focus();
    return;
  }
  setPhase("loading", "Loading…");
  refresh().catch((error) => setPhase("error", error.message, "error"));
}

start();
