/*
 * Focus Group chat widget. One tag embeds it on any page:
 *   <script src="https://CASE-SERVICE/static/widget.js" defer></script>
 * It loads its stylesheet and the socket.io client from the same place, asks the case
 * service where Rasa's socket.io channel is (/api/widget-config, which also says whether
 * the team is open), and talks to Rasa with session persistence. The session id is
 * issued and signed by the case service (POST /api/chat/session) before the widget
 * joins Rasa's conversation with it, and renewed with each message; Rasa refuses any
 * other (session_refused: the widget gets a fresh one, joins again and resends the
 * refused message). The session id and the messages are kept in localStorage, so a
 * reload carries on the same conversation, for 30 minutes after the last use (a shared
 * computer forgets it; the id expires as long after its last renewal). "Start again"
 * restarts the conversation in Rasa (what the customer verified is forgotten) and
 * clears it here.
 * The host page may show the team's hours without keeping a copy: the widget writes them
 * into any element marked data-fg-hours, and shows a hidden element around it.
 *
 * Every piece of text goes into the page with textContent, never as HTML.
 */
(function () {
  "use strict";

  if (document.getElementById("fg-chat")) return; // embedded twice: keep the first

  var script = document.currentScript;
  var BASE = new URL("..", script ? script.src : location.href).href; // .../static/widget.js -> .../
  var KEY = "fg-chat:";
  var MAX_KEPT = 200; // messages kept for reloads
  var KEPT_FOR = 30 * 60 * 1000; // ms after the last use that the kept chat is forgotten
  var KEPT = ["session", "messages", "open"];
  var WELCOME =
    "Hello, I'm Focus Group's assistant. I can report a fault, help with your bill or " +
    "contract, check a case, or answer questions about our Code of Practice.";

  // --- storage (private browsing may refuse it: then the chat simply is not kept) -------
  function expired() {
    try {
      var touched = Number(localStorage.getItem(KEY + "touched"));
      return !touched || Date.now() - touched > KEPT_FOR;
    } catch (e) {
      return true;
    }
  }
  function load(name, fallback) {
    try {
      if (expired()) return fallback;
      var raw = localStorage.getItem(KEY + name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) {
      return fallback;
    }
  }
  function save(name, value) {
    try {
      if (expired()) KEPT.forEach(forget); // nothing old is revived with the new
      localStorage.setItem(KEY + name, JSON.stringify(value));
      localStorage.setItem(KEY + "touched", String(Date.now()));
    } catch (e) {
      /* not kept */
    }
  }
  function forget(name) {
    try {
      localStorage.removeItem(KEY + name);
    } catch (e) {
      /* nothing kept */
    }
  }

  // --- DOM helpers ------------------------------------------------------------------------
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (name) {
      if (name === "text") node.textContent = props[name];
      else if (name === "className") node.className = props[name];
      else if (name === "hidden") node.hidden = props[name];
      else node.setAttribute(name, props[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(child);
    });
    return node;
  }

  var stylesheet = el("link", { rel: "stylesheet", href: BASE + "static/widget.css" });
  document.head.appendChild(stylesheet);

  var launcher = el("button", {
    type: "button",
    className: "fg-chat__launcher",
    "aria-expanded": "false",
    "aria-controls": "fg-chat-panel",
    text: "Chat with us",
  });
  var restart = el("button", { type: "button", className: "fg-chat__restart", text: "Start again" });
  var close = el("button", {
    type: "button",
    className: "fg-chat__close",
    "aria-label": "Close the chat",
    text: "\u00d7",
  });
  var notice = el("p", { className: "fg-chat__notice", hidden: true });
  var status = el("p", { className: "fg-chat__status", role: "status", "aria-live": "polite" });
  var log = el("ol", {
    className: "fg-chat__log",
    role: "log",
    "aria-live": "polite",
    "aria-label": "Conversation",
    tabindex: "0",
  });
  var typing = el("p", { className: "fg-chat__typing", hidden: true, text: "Focus Group is typing\u2026" });
  var input = el("input", {
    id: "fg-chat-input",
    className: "fg-chat__input",
    type: "text",
    autocomplete: "off",
    maxlength: "2000",
    placeholder: "Type your message",
  });
  var send = el("button", { type: "submit", className: "fg-chat__send", text: "Send" });
  var form = el("form", { className: "fg-chat__form" }, [
    el("label", { for: "fg-chat-input", className: "fg-chat__sr", text: "Your message" }),
    input,
    send,
  ]);
  var privacy = el("p", { className: "fg-chat__privacy" }, [
    el("a", { href: BASE + "privacy", target: "_blank", rel: "noopener", text: "How we use your data" }),
  ]);
  var panel = el(
    "section",
    { id: "fg-chat-panel", className: "fg-chat__panel", "aria-labelledby": "fg-chat-title", hidden: true },
    [
      el("header", { className: "fg-chat__header" }, [
        el("h2", { id: "fg-chat-title", className: "fg-chat__title", text: "Focus Group help" }),
        restart,
        close,
      ]),
      notice,
      status,
      log,
      typing,
      form,
      privacy,
    ]
  );
  var root = el("div", { id: "fg-chat", className: "fg-chat" }, [panel, launcher]);

  // --- the conversation ---------------------------------------------------------------------
  var messages = load("messages", []); // {from: "me"|"bot", text, buttons?: [{title, payload}]}
  var outbox = []; // typed while not connected; sent once the session is confirmed
  var socket = null;
  var sessionId = load("session", null);
  var ready = false; // connected and the session confirmed
  var refusals = 0; // sessions refused in a row: wait longer before each new try
  var typingTimer = null;

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function renderMessage(message, index) {
    var mine = message.from === "me";
    var item = el("li", { className: "fg-chat__msg fg-chat__msg--" + (mine ? "me" : "bot") }, [
      el("span", { className: "fg-chat__sr", text: mine ? "You said: " : "Focus Group said: " }),
      el("span", { className: "fg-chat__text", text: message.text || "" }),
    ]);
    if (message.buttons && message.buttons.length) {
      var answered = messages.slice(index + 1).some(function (m) {
        return m.from === "me";
      });
      var group = el("div", { className: "fg-chat__buttons", role: "group", "aria-label": "Quick replies" });
      message.buttons.forEach(function (button) {
        var b = el("button", { type: "button", className: "fg-chat__button", text: button.title || button.payload });
        b.disabled = answered;
        b.addEventListener("click", function () {
          submit(button.payload, button.title || button.payload);
          input.focus(); // the clicked button is about to be disabled
        });
        group.appendChild(b);
      });
      item.appendChild(group);
    }
    return item;
  }

  function render() {
    log.textContent = "";
    log.appendChild(
      el("li", { className: "fg-chat__msg fg-chat__msg--bot" }, [
        el("span", { className: "fg-chat__text", text: WELCOME }),
      ])
    );
    messages.forEach(function (message, index) {
      log.appendChild(renderMessage(message, index));
    });
    scrollDown();
  }

  function add(message) {
    messages.push(message);
    messages = messages.slice(-MAX_KEPT);
    save("messages", messages);
    if (message.from === "me") {
      // Earlier quick replies are answered now.
      Array.prototype.forEach.call(log.querySelectorAll(".fg-chat__button"), function (b) {
        b.disabled = true;
      });
    }
    log.appendChild(renderMessage(message, messages.length - 1));
    scrollDown();
  }

  function setTyping(on) {
    typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(function () { typing.hidden = true; }, 60000);
  }

  function emit(text) {
    socket.emit("user_uttered", { message: text, session_id: sessionId });
    setTyping(true);
    fetchSession().catch(function () {
      /* not renewed: the id still holds until it expires */
    });
  }

  // A session id signed by the case service: the kept one renewed while it is valid,
  // else one for a new conversation.
  function fetchSession() {
    var asked = sessionId;
    return fetch(BASE + "api/chat/session", {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_id: asked }),
    })
      .then(function (response) {
        if (!response.ok) throw new Error("chat session: HTTP " + response.status);
        return response.json();
      })
      .then(function (session) {
        if (sessionId !== asked) return; // "Start again" meanwhile: not the old one back
        sessionId = session.session_id;
        save("session", sessionId);
      });
  }

  // Joins the conversation in Rasa with a fresh or renewed id; on failure, tries again.
  function joinSession() {
    ready = false;
    var wait = refusals > 1 ? Math.min(1000 * Math.pow(2, refusals - 1), 30000) : 0;
    setTimeout(function () {
      fetchSession()
        .then(function () {
          if (socket.connected) socket.emit("session_request", { session_id: sessionId });
        })
        .catch(function () {
          refusals += 1;
          if (socket.connected) joinSession();
        });
    }, wait);
  }

  function submit(text, shown) {
    text = (text || "").trim();
    if (!text) return;
    add({ from: "me", text: shown || text });
    if (ready) emit(text);
    else outbox.push(text);
  }

  function setState(state, text) {
    root.setAttribute("data-state", state);
    status.textContent = text;
    status.hidden = !text;
  }

  function showHours(config) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-fg-hours]"), function (node) {
      node.textContent = config.hours_summary;
      var hidden = node.closest("[hidden]");
      if (hidden) hidden.hidden = false;
    });
    if (config.open_now) {
      notice.hidden = true;
      return;
    }
    notice.textContent =
      "We\u2019re closed now: your request will be picked up at " + config.next_open_text + ". " +
      "Our hours are " + config.hours_summary + ".";
    notice.hidden = false;
  }

  function onBotMessage(data) {
    setTyping(false);
    if (!data) return;
    var buttons = (data.quick_replies || data.buttons || []).map(function (b) {
      return { title: String(b.title || ""), payload: String(b.payload || b.title || "") };
    });
    var text = typeof data.text === "string" ? data.text : "";
    if (!text && data.attachment && data.attachment.payload && data.attachment.payload.src) {
      text = String(data.attachment.payload.src);
    }
    if (text || buttons.length) add({ from: "bot", text: text, buttons: buttons });
  }

  function connect(config) {
    // The socket.io client comes with the widget, unless the page has one already.
    socket = window.io(config.socket_url, {
      path: config.socket_path,
      // Websocket first (one connection, no sticky polling rounds behind a balancer),
      // long polling where a proxy on the way refuses websockets.
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelayMax: 5000,
      timeout: 10000,
    });
    var everConnected = false;
    socket.on("connect", function () {
      everConnected = true;
      setState("connecting", "Connecting\u2026");
      joinSession();
    });
    socket.on("session_refused", function (refusal) {
      // The id expired or was never valid: nothing of it reached the bot. A message
      // it carried is sent again once a new session is confirmed.
      if (refusal && typeof refusal.message === "string") outbox.push(refusal.message);
      setTyping(false);
      setState("connecting", "Connecting\u2026");
      refusals += 1;
      joinSession();
    });
    socket.on("session_confirm", function (id) {
      var confirmed = typeof id === "string" ? id : id && id.session_id;
      if (confirmed && confirmed !== sessionId) {
        sessionId = confirmed;
        save("session", sessionId);
      }
      ready = true;
      refusals = 0;
      setState("online", "");
      var waiting = outbox;
      outbox = [];
      waiting.forEach(emit);
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function () {
      ready = false;
      setTyping(false);
      setState("reconnecting", "Reconnecting\u2026 Anything you send will follow when we\u2019re back.");
    });
    socket.on("connect_error", function () {
      ready = false;
      setState(
        everConnected ? "reconnecting" : "connecting",
        everConnected
          ? "Reconnecting\u2026 Anything you send will follow when we\u2019re back."
          : "Connecting to the assistant\u2026 still trying."
      );
    });
  }

  function loadScript(src, done, failed) {
    var tag = el("script", { src: src });
    tag.onload = done;
    tag.onerror = failed;
    document.head.appendChild(tag);
  }

  var retryDelay = 2000;
  function start() {
    setState("connecting", "Connecting\u2026");
    fetch(BASE + "api/widget-config", { credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error("widget config: HTTP " + response.status);
        return response.json();
      })
      .then(function (config) {
        showHours(config);
        if (window.io) return connect(config);
        loadScript(
          BASE + "static/vendor/socket.io.min.js",
          function () { connect(config); },
          retryLater
        );
      })
      .catch(retryLater);
  }
  function retryLater() {
    setState("connecting", "Connecting to the assistant\u2026 still trying.");
    setTimeout(start, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  // --- opening, closing, keyboard -------------------------------------------------------
  function setOpen(open, focus) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.textContent = open ? "Hide chat" : "Chat with us";
    root.classList.toggle("fg-chat--open", open);
    save("open", open);
    if (open) {
      scrollDown();
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () {
    setOpen(panel.hidden, true);
  });
  close.addEventListener("click", function () {
    setOpen(false, true);
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      setOpen(false, true);
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    submit(text);
    input.focus();
  });
  restart.addEventListener("click", function () {
    // The old conversation is restarted in Rasa, so what was verified there is
    // forgotten; then a new session: a fresh id, nothing of the old one kept here.
    if (socket && ready && sessionId) {
      socket.emit("user_uttered", { message: "/restart", session_id: sessionId });
    }
    messages = [];
    outbox = [];
    forget("messages");
    sessionId = null;
    forget("session");
    render();
    if (socket) {
      ready = false;
      socket.disconnect().connect(); // asks again, with no id: a new conversation
    }
    input.focus();
  });

  function mount() {
    document.body.appendChild(root);
    render();
    // <script ... data-open> opens the chat at once; after that the visitor's choice counts.
    var opened = load("open", null);
    setOpen(opened === null ? !!(script && script.hasAttribute("data-open")) : opened, false);
    start();
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.FocusChat = {
    open: function () { setOpen(true, true); },
    close: function () { setOpen(false, true); },
  };
})();
