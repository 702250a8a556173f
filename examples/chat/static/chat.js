// The chat page: plain JSON over one WebSocket to /chat. User text only ever goes into textContent.
//
// Served as it is, without a build step. The JSDoc types come from the server's models: CI generates
// `chat-messages` from the app's AsyncAPI document with Modelina and checks this file with
// `tsc --checkJs --strict` (see examples/chat/tsconfig.json and docs/typescript.md).
"use strict";

/** @typedef {import("chat-messages").Chat} ServerMessage  what the server sends on /chat, replies aside */
/** @typedef {import("chat-messages").Join | import("chat-messages").Say | import("chat-messages").Leave} ClientMessage */
/** @typedef {import("chat-messages").Join} JoinRequest  the page's one request, carrying its correlation id */
/** @typedef {import("chat-messages").UsersReply | import("chat-messages").ErrorReply} JoinReply  its reply */
/** @typedef {import("chat-messages").Said} Said */
/** @typedef {{ room: string, user: string }} Place  a room and the name used in it */
/** @typedef {Place & { id: number }} Joining  a room being joined, and the id of the join request */

/**
 * The element with this id, which must be a `kind`.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T, name: string }} kind
 * @returns {T}
 */
function element(id, kind) {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) {
    throw new Error(`#${id} is not a ${kind.name}`);
  }
  return found;
}

const view = {
  status: element("status", HTMLElement),
  error: element("error", HTMLElement),
  joinForm: element("join-form", HTMLFormElement),
  user: element("user", HTMLInputElement),
  room: element("room", HTMLInputElement),
  join: element("join", HTMLButtonElement),
  chat: element("chat", HTMLElement),
  roomName: element("room-name", HTMLElement),
  me: element("me", HTMLElement),
  leave: element("leave", HTMLButtonElement),
  messages: element("messages", HTMLOListElement),
  users: element("users", HTMLUListElement),
  count: element("count", HTMLElement),
  sayForm: element("say-form", HTMLFormElement),
  text: element("text", HTMLInputElement),
};

/** @type {WebSocket | null} */
let socket = null;
/** @type {Joining | null} between sending the "join" request and its reply */
let joining = null;
/** @type {Place | null} while in a room */
let here = null;
let retryDelay = 500;
let lastId = 0; // correlation ids of this page's requests: a reply carries its request's

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}/chat`);
  setStatus("connecting", "connecting…");
  socket.addEventListener("open", () => {
    retryDelay = 500;
    setStatus("connected", "connected");
    view.join.disabled = false;
  });
  socket.addEventListener("message", (event) => {
    /** @type {ServerMessage | JoinReply} */
    const message = JSON.parse(event.data);
    receive(message);
  });
  socket.addEventListener("close", () => {
    socket = null;
    joining = null;
    showLobby();
    view.join.disabled = true;
    setStatus("disconnected", "disconnected — reconnecting…");
    setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 10000);
  });
}

/** @param {ClientMessage} message */
function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(message));
  }
}

/**
 * Send a request: the message with a new correlation id, which its reply (or error reply) carries back.
 * @param {Omit<JoinRequest, "id">} message
 * @returns {number} the request's id
 */
function request(message) {
  lastId += 1;
  send({ id: lastId, ...message });
  return lastId;
}

/** @param {ServerMessage | JoinReply} message */
function receive(message) {
  if ("id" in message) {
    answered(message);
    return;
  }
  switch (message.type) {
    case "joined":
      if (here && message.room === here.room) {
        addNotice(`${message.user} joined`);
      }
      break;
    case "left":
      if (here && message.room === here.room && message.user === here.user) {
        here = null;
        showLobby();
      } else {
        addNotice(`${message.user} left`);
      }
      break;
    case "users":
      showUsers(message.users);
      break;
    case "said":
      addSaid(message);
      break;
    case "error":
      if (joining) {
        joining = null;
        view.join.disabled = false;
      }
      showError(message.detail);
      break;
    default: {
      /** @type {never} */
      const unknown = message; // every message the server sends is handled above (tsc checks it)
      void unknown; // one from a newer server is ignored
    }
  }
}

/**
 * The reply to the join request: the room's users, or an error reply saying why not.
 * @param {JoinReply} reply
 */
function answered(reply) {
  if (!joining || reply.id !== joining.id) {
    return; // a reply to nothing pending: dropped
  }
  const { room, user } = joining;
  joining = null;
  if ("error" in reply) {
    view.join.disabled = false;
    showError(reply.error.message || reply.error.code);
    return;
  }
  here = { room, user };
  showRoom();
  showUsers(reply.users);
}

// Views -------------------------------------------------------------------------------------

/**
 * @param {"connecting" | "connected" | "disconnected"} state
 * @param {string} text
 */
function setStatus(state, text) {
  view.status.dataset.state = state;
  view.status.textContent = text;
}

/** @param {string} text */
function showError(text) {
  view.error.textContent = text;
  view.error.hidden = false;
}

function clearError() {
  view.error.hidden = true;
  view.error.textContent = "";
}

function showLobby() {
  here = null;
  view.chat.hidden = true;
  view.joinForm.hidden = false;
  view.join.disabled = socket === null;
  view.messages.replaceChildren();
  view.users.replaceChildren();
  view.user.focus();
}

function showRoom() {
  if (!here) {
    return;
  }
  clearError();
  view.roomName.textContent = here.room;
  view.me.textContent = `as ${here.user}`;
  view.messages.replaceChildren();
  view.joinForm.hidden = true;
  view.chat.hidden = false;
  view.text.focus();
}

/** @param {string[]} users */
function showUsers(users) {
  const items = users.map((user) => {
    const item = document.createElement("li");
    item.textContent = user;
    if (here && user === here.user) {
      item.classList.add("self");
    }
    return item;
  });
  view.users.replaceChildren(...items);
  view.count.textContent = `(${users.length})`;
}

/** @param {Said} message */
function addSaid(message) {
  const item = document.createElement("li");
  item.className = "said";
  if (here && message.user === here.user) {
    item.classList.add("mine");
  }
  const head = document.createElement("div");
  head.className = "head";
  const user = document.createElement("span");
  user.className = "user";
  user.textContent = message.user;
  const time = document.createElement("time");
  time.dateTime = message.time;
  time.textContent = new Date(message.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  head.append(user, time);
  const text = document.createElement("p");
  text.className = "text";
  text.textContent = message.text;
  item.append(head, text);
  append(item);
}

/** @param {string} text */
function addNotice(text) {
  const item = document.createElement("li");
  item.className = "notice";
  item.textContent = text;
  append(item);
}

/** @param {HTMLLIElement} item */
function append(item) {
  const list = view.messages;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(item);
  if (atBottom) {
    list.scrollTop = list.scrollHeight;
  }
}

// Actions -----------------------------------------------------------------------------------

view.joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearError();
  const room = view.room.value.trim();
  const user = view.user.value.trim();
  view.join.disabled = true;
  joining = { id: request({ type: "join", room, user }), room, user };
});

view.sayForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = view.text.value.trim();
  if (text) {
    send({ type: "say", text });
    view.text.value = "";
  }
});

view.leave.addEventListener("click", () => send({ type: "leave" }));

connect();
