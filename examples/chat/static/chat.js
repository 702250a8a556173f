// The chat page: plain JSON over one WebSocket to /chat. User text only ever goes into textContent.
"use strict";

const $ = (id) => document.getElementById(id);

const view = {
  status: $("status"),
  error: $("error"),
  joinForm: $("join-form"),
  user: $("user"),
  room: $("room"),
  join: $("join"),
  chat: $("chat"),
  roomName: $("room-name"),
  me: $("me"),
  leave: $("leave"),
  messages: $("messages"),
  users: $("users"),
  count: $("count"),
  sayForm: $("say-form"),
  text: $("text"),
};

let socket = null;
let joining = null; // {id, room, user} between sending the "join" request and its reply
let here = null; // {room, user} while in a room
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
  socket.addEventListener("message", (event) => receive(JSON.parse(event.data)));
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

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(message));
  }
}

// A request: the message with a new correlation id, which its reply (or error reply) carries back.
function request(message) {
  lastId += 1;
  send({ id: lastId, ...message });
  return lastId;
}

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
  }
}

// The reply to the join request: the room's users, or an error reply saying why not.
function answered(reply) {
  if (!joining || reply.id !== joining.id) {
    return; // a reply to nothing pending: dropped
  }
  const { room, user } = joining;
  joining = null;
  if (reply.error) {
    view.join.disabled = false;
    showError(reply.error.message || reply.error.code);
    return;
  }
  here = { room, user };
  showRoom();
  showUsers(reply.users);
}

// Views -------------------------------------------------------------------------------------

function setStatus(state, text) {
  view.status.dataset.state = state;
  view.status.textContent = text;
}

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
  clearError();
  view.roomName.textContent = here.room;
  view.me.textContent = `as ${here.user}`;
  view.messages.replaceChildren();
  view.joinForm.hidden = true;
  view.chat.hidden = false;
  view.text.focus();
}

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

function addNotice(text) {
  const item = document.createElement("li");
  item.className = "notice";
  item.textContent = text;
  append(item);
}

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
