/*
 * Focus Group staff console: a small single page over the case service's staff API.
 * Views (by URL hash): #/queue, #/case/FG-…, #/try, #/reports, #/password, and for
 * admins #/staff, #/audit and #/accounts; a login form when the session is missing, and only a change-password
 * form while the password is a one-time one. The session is an HttpOnly cookie; changes send the CSRF token
 * from /api/auth/me as X-CSRF-Token. Rasa is reached only through the service. A
 * session unused for a while ends (the service's idle timeout): requests made long after
 * the person's last click or key say so (X-Focus-Background), so automatic refreshes
 * never keep a session alive, and a check every minute returns to the login form.
 *
 * The vocabulary (case kinds, statuses and their labels, the moves allowed between
 * statuses, the opening hours) comes from /api/meta, so the console keeps no copy of
 * the service's rules.
 *
 * All text goes into the page with textContent (the h() helper), never as HTML, so what
 * customers typed stays text whatever it contains.
 */
(function () {
  "use strict";

  var main = document.getElementById("main");
  var nav = document.getElementById("nav");
  var who = document.getElementById("who");
  var logoutButton = document.getElementById("logout");
  var toast = document.getElementById("toast");
  var alertBanner = document.getElementById("alert");
  var me = null; // {username, role, csrf_token}
  var meta = null; // GET /api/meta: {kinds, statuses, transitions, hours}
  var labels = {}; // kind or status value -> label, from meta
  var refreshTimer = null;
  var lastActivity = Date.now(); // the person's last click or key press
  var ACTIVITY_WINDOW = 5000; // ms: a request later than this after it is automatic
  var SESSION_ENDED = "Your session ended because it was not used for a while. Please log in again.";
  var SVG = "http://www.w3.org/2000/svg";

  // --- helpers ----------------------------------------------------------------------------

  /** An element: h("p", {className: "x", onclick: f}, "text", child, [children]). */
  function h(tag, props) {
    var node = document.createElement(tag);
    setProps(node, props);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function setProps(node, props) {
    Object.keys(props || {}).forEach(function (name) {
      var value = props[name];
      if (value === undefined || value === null || value === false) return;
      if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else if (name === "className") node.setAttribute("class", value);
      else if (name === "text") node.textContent = value;
      else if (name in node && typeof value !== "string") node[name] = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(node, c); });
    else node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, String(attrs[name])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function label(value) { return labels[value] || String(value); }
  function isActive(status) {
    return meta.statuses.some(function (s) { return s.value === status && s.active; });
  }
  /** "17:30" as hours after midnight (17.5), for the hour chart. */
  function hoursOf(hhmm) {
    var parts = hhmm.split(":");
    return Number(parts[0]) + Number(parts[1]) / 60;
  }
  function when(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString("en-GB", {
      timeZone: meta.hours.timezone, weekday: "short", day: "numeric", month: "short",
      hour: "2-digit", minute: "2-digit",
    });
  }
  function percent(x) { return (x * 100).toFixed(1) + "%"; }
  function say(text) {
    toast.textContent = text;
    toast.classList.add("toast--on");
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { toast.classList.remove("toast--on"); }, 4000);
  }
  function show(title, nodes) {
    clearInterval(refreshTimer);
    document.title = title + " · Focus Group staff console";
    main.textContent = "";
    append(main, nodes);
    Array.prototype.forEach.call(nav.querySelectorAll("a"), function (a) {
      var current = location.hash.indexOf("#/" + a.getAttribute("data-view")) === 0;
      if (current) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
  }
  function focusHeading() {
    var heading = main.querySelector("h1");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }
  function errorBox(error) {
    return h("p", { className: "error", role: "alert" }, error.message || String(error));
  }

  // --- the API ----------------------------------------------------------------------------

  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }
  /** A call to the service; ``contentType`` sends ``body`` as it is (a file), else as JSON. */
  function api(method, path, body, contentType) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
    if (Date.now() - lastActivity > ACTIVITY_WINDOW) headers["X-Focus-Background"] = "1";
    if (method !== "GET" && me) headers["X-CSRF-Token"] = me.csrf_token;
    return fetch(path, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body === undefined || contentType ? body : JSON.stringify(body),
    }).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) return data;
        // The session ended, or must change its password first: show that form and
        // leave the caller's promise pending, so no view draws its error over it.
        if (response.status === 401 && path !== "/api/auth/login") {
          me = null;
          loginView(data.type === "/problems/session-ended" ? SESSION_ENDED : "");
          return new Promise(function () {});
        }
        if (data.type === "/problems/password-change-required" && me) {
          // Drawn once: drawing it again would wipe what the person is typing.
          if (!me.must_change_password) {
            me.must_change_password = true;
            setUser(me);
            changePasswordView();
          }
          return new Promise(function () {});
        }
        var detail = data.detail || response.statusText;
        if (data.errors && data.errors.length) {
          detail += ": " + data.errors.map(function (e) {
            return e.line !== undefined ? "line " + e.line + ": " + e.reason : e.loc + " " + e.msg;
          }).join("; ");
        }
        throw new ApiError(response.status, detail);
      });
    });
  }

  // --- login ------------------------------------------------------------------------------

  function setUser(user) {
    me = user;
    nav.hidden = !user || user.must_change_password;
    Array.prototype.forEach.call(nav.querySelectorAll("[data-admin]"), function (link) {
      link.hidden = !isAdmin();
    });
    logoutButton.hidden = !user;
    if (!user) alertBanner.hidden = true;
    who.textContent = user ? user.username + " (" + user.role + ")" : "";
  }
  function isAdmin() { return Boolean(me && me.role === "admin"); }

  /** The login form; ``notice``: why the person is here (e.g. their session ended). */
  function loginView(notice) {
    setUser(null);
    var message = h("p", { className: "error", role: "alert", hidden: true });
    var username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
    var password = h("input", {
      id: "password", name: "password", type: "password", autocomplete: "current-password", required: true,
    });
    var form = h("form", { className: "card login", onsubmit: function (event) {
      event.preventDefault();
      message.hidden = true;
      api("POST", "/api/auth/login", { username: username.value, password: password.value })
        .then(function (user) {
          setUser(user);
          if (!location.hash || location.hash === "#/login") location.hash = "#/queue";
          else route();
        })
        .catch(function (error) {
          message.textContent = error.message;
          message.hidden = false;
          password.select();
        });
    } },
    h("h1", { text: "Staff login" }),
    notice ? h("p", { className: "notice", role: "status", text: notice }) : null,
    h("p", { className: "muted" }, "Accounts are made by an administrator with ",
      h("code", { text: "python -m focus_cases create-admin NAME" }), "."),
    h("label", { for: "username", text: "Username" }), username,
    h("label", { for: "password", text: "Password" }), password,
    message,
    h("button", { type: "submit", className: "primary", text: "Log in" }));
    show("Log in", form);
    username.focus();
  }

  logoutButton.addEventListener("click", function () {
    api("POST", "/api/auth/logout").catch(function () {}).then(function () {
      setUser(null);
      location.hash = "#/login";
      loginView();
      say("You are logged out.");
    });
  });

  // --- my password (forced after a one-time password) -----------------------------------------

  function passwordField(id, text, autocomplete) {
    return [h("label", { for: id, text: text }),
      h("input", { id: id, name: id, type: "password", autocomplete: autocomplete, required: true, maxlength: "200" })];
  }

  function changePasswordView() {
    var forced = me.must_change_password;
    var current = passwordField("current-password", forced ? "One-time password" : "Current password", "current-password");
    var fresh = passwordField("new-password", "New password", "new-password");
    var again = passwordField("new-password-again", "New password again", "new-password");
    var message = h("p", { className: "error", role: "alert", hidden: true });
    var form = h("form", { className: "card login", onsubmit: function (event) {
      event.preventDefault();
      message.hidden = true;
      if (fresh[1].value !== again[1].value) {
        message.textContent = "The two new passwords are not the same.";
        message.hidden = false;
        again[1].select();
        return;
      }
      api("POST", "/api/auth/password", { current_password: current[1].value, new_password: fresh[1].value })
        .then(function (user) {
          setUser(user);
          say("Your password is changed.");
          if (!location.hash || location.hash === "#/login" || location.hash === "#/password") location.hash = "#/queue";
          else route();
        })
        .catch(function (error) {
          message.textContent = error.message;
          message.hidden = false;
        });
    } },
    h("h1", { text: forced ? "Choose your password" : "Change your password" }),
    forced ? h("p", { text: "You logged in with a one-time password. Choose a password of your own to go on." }) : null,
    h("p", { className: "muted small", id: "password-rules",
      text: "At least 12 characters, without your username, not a common password, not your current one. A few unrelated words make a good one." }),
    current, fresh, again, message,
    h("button", { type: "submit", className: "primary", text: "Change password" }));
    fresh[1].setAttribute("aria-describedby", "password-rules");
    show("Change password", form);
    current[1].focus();
  }

  // --- staff accounts and the audit log (admins) ------------------------------------------

  function staffView() {
    var notice = h("div", { "aria-live": "polite" });
    var list = h("div", {}, h("p", { className: "muted", text: "Loading…" }));

    function act(account, action) {
      return api("POST", "/api/staff/" + encodeURIComponent(account.username) + "/" + action).then(function (result) {
        notice.textContent = "";
        if (action === "reset") {
          append(notice, h("section", { className: "card one-time", role: "status" },
            h("h2", { text: "New one-time password for " + result.username }),
            h("p", {}, h("code", { className: "secret", text: result.one_time_password })),
            h("p", { className: "muted small", text: "Shown only now. Give it to " + result.username +
              " in person or by phone; they choose their own password when they log in with it." })));
        } else {
          say(account.username + (result.disabled ? " is disabled; their sessions have ended." : " can log in again."));
        }
        return load();
      }).catch(function (error) {
        notice.textContent = "";
        notice.appendChild(errorBox(error));
      });
    }

    function load() {
      return api("GET", "/api/staff").then(function (data) {
        list.textContent = "";
        list.appendChild(h("table", { className: "card" },
          h("thead", {}, h("tr", {}, ["Username", "Role", "State", "Created", "Actions"].map(function (c) {
            return h("th", { scope: "col", text: c });
          }))),
          h("tbody", {}, data.staff.map(function (account) {
            var self = account.username === me.username;
            var state = account.disabled ? "Disabled" : account.must_change_password ? "Must choose a password" : "Active";
            return h("tr", { "data-username": account.username },
              h("td", { text: account.username }),
              h("td", { text: account.role }),
              h("td", {}, h("span", { className: "status" + (account.disabled ? " status--closed" : ""), text: state })),
              h("td", { text: when(account.created_at) }),
              h("td", { className: "actions" },
                h("button", { type: "button", text: "Reset password", "aria-label": "Reset password of " + account.username,
                  onclick: function () { act(account, "reset"); } }), " ",
                self ? null : h("button", { type: "button", className: account.disabled ? "" : "ghost",
                  text: account.disabled ? "Enable" : "Disable",
                  "aria-label": (account.disabled ? "Enable " : "Disable ") + account.username,
                  onclick: function () { act(account, account.disabled ? "enable" : "disable"); } })));
          }))));
      }).catch(function (error) {
        list.textContent = "";
        list.appendChild(errorBox(error));
      });
    }

    show("Staff accounts", [
      h("h1", { text: "Staff accounts" }),
      h("p", { className: "muted", text: "Disabling an account ends its sessions at once. A reset gives a new one-time password and ends its sessions. New accounts are made with python -m focus_cases create-admin." }),
      notice, list,
    ]);
    load();
  }

  function auditView() {
    var query = parseQuery(location.hash);
    var offset = Number(query.offset) || 0;
    var action = query.action || "";
    var actions = ["login_succeeded", "login_failed", "logout", "password_changed", "password_reset",
      "account_disabled", "account_enabled", "transcript_read", "status_changed", "erased", "purged"];
    var filter = select("audit-action", "Action", [["", "All actions"]].concat(actions.map(function (a) {
      return [a, a.replace(/_/g, " ")];
    })), action);
    function go(nextOffset) {
      var params = new URLSearchParams();
      if (filter[1].value) params.set("action", filter[1].value);
      if (nextOffset) params.set("offset", String(nextOffset));
      location.hash = "#/audit" + (params.toString() ? "?" + params : "");
    }
    var results = h("div", {}, h("p", { className: "muted", text: "Loading…" }));
    show("Audit log", [
      h("h1", { text: "Audit log" }),
      h("form", { className: "filters", onsubmit: function (event) { event.preventDefault(); go(0); } },
        filter, h("button", { type: "submit", text: "Show" })),
      results,
    ]);
    var params = new URLSearchParams({ limit: "100", offset: String(offset) });
    if (action) params.set("action", action);
    api("GET", "/api/audit?" + params).then(function (log) {
      results.textContent = "";
      append(results, h("table", { className: "card" },
        h("thead", {}, h("tr", {}, ["When", "Action", "Who", "What", "Detail"].map(function (c) {
          return h("th", { scope: "col", text: c });
        }))),
        h("tbody", {}, log.entries.map(function (e) {
          return h("tr", {}, h("td", { text: when(e.at) }), h("td", { text: e.action.replace(/_/g, " ") }),
            h("td", { text: e.actor }), h("td", { text: e.target || "" }), h("td", { text: e.detail || "" }));
        }))));
      if (!log.entries.length) append(results, h("p", { className: "muted", text: "No entries." }));
      append(results, h("p", { className: "muted" },
        "Entries " + (log.total ? offset + 1 : 0) + " to " + (offset + log.entries.length) + " of " + log.total + " (newest first). ",
        offset > 0 ? h("button", { type: "button", text: "Newer", onclick: function () { go(Math.max(0, offset - 100)); } }) : null, " ",
        offset + log.entries.length < log.total ? h("button", { type: "button", text: "Older", onclick: function () { go(offset + 100); } }) : null));
    }).catch(function (error) {
      results.textContent = "";
      results.appendChild(errorBox(error));
    });
  }

  // --- the queue --------------------------------------------------------------------------

  function parseQuery(hash) {
    var query = {};
    var at = hash.indexOf("?");
    if (at >= 0) new URLSearchParams(hash.slice(at + 1)).forEach(function (v, k) { query[k] = v; });
    return query;
  }

  function select(id, text, options, value) {
    var node = h("select", { id: id, name: id });
    options.forEach(function (option) {
      node.appendChild(h("option", { value: option[0], selected: option[0] === value }, option[1]));
    });
    return [h("label", { for: id, text: text }), node];
  }

  /** The case's response clock: "due in 3 h", or an "Overdue" badge. */
  function dueClock(c) {
    if (c.overdue) return h("span", { className: "badge badge--overdue", text: "Overdue" });
    return c.due_in_text ? h("span", { className: "clock", title: "Respond by " + when(c.respond_by), text: c.due_in_text }) : "";
  }

  function caseTable(caption, rows, showDue) {
    return h("section", { className: "card queue-group", "aria-label": caption },
      h("h2", {}, caption, " ", h("span", { className: "count", text: "(" + rows.length + ")" })),
      h("table", {},
        h("thead", {}, h("tr", {},
          ["Reference", "Kind", "Status", "Due", "Respond", "Customer", "Assigned", "Made"].map(function (c) {
            return h("th", { scope: "col", text: c });
          }))),
        h("tbody", {}, rows.map(function (c) {
          var due = c.due_now ? h("span", { className: "badge badge--due", text: "Due now" })
            : showDue || c.status === "queued" ? c.due_at_text : "";
          var customer = [c.company_name, c.contact_name].filter(Boolean).join(" · ")
            || c.account_number || "(not verified)";
          return h("tr", {},
            h("td", {}, h("a", { href: "#/case/" + encodeURIComponent(c.reference), text: c.reference })),
            h("td", { text: label(c.kind) }),
            h("td", {}, h("span", { className: "status status--" + c.status, text: label(c.status) })),
            h("td", {}, due),
            h("td", {}, dueClock(c)),
            h("td", { text: customer }),
            h("td", { text: c.assigned_to || "" }),
            h("td", { text: when(c.created_at) }));
        }))));
  }

  function queueView() {
    var query = parseQuery(location.hash);
    var status = query.status || "active";
    var kind = query.kind || "";
    var search = query.q || "";
    var mine = query.mine === "true";
    var active = meta.statuses.filter(function (s) { return s.active; });
    var statusSelect = select("filter-status", "Status",
      [["active", "Active (" + active.map(function (s) { return s.label.toLowerCase(); }).join(", ") + ")"],
        ["all", "All"]].concat(meta.statuses.map(function (s) { return [s.value, s.label]; })), status);
    var kindSelect = select("filter-kind", "Kind",
      [["", "All kinds"]].concat(meta.kinds.map(function (k) { return [k.value, k.label]; })), kind);
    var results = h("div", { className: "queue", "aria-live": "polite" }, h("p", { className: "muted", text: "Loading…" }));
    var searchBox = h("input", { id: "filter-q", type: "search", name: "q", value: search, maxlength: "100",
      placeholder: "FG-…, account, company or phone" });
    var mineBox = h("input", { id: "filter-mine", type: "checkbox", name: "mine", checked: mine });
    var filters = h("form", { className: "filters", role: "search", onsubmit: function (event) {
      event.preventDefault();
      var params = new URLSearchParams();
      if (searchBox.value.trim()) params.set("q", searchBox.value.trim());
      if (mineBox.checked) params.set("mine", "true");
      if (statusSelect[1].value !== "active") params.set("status", statusSelect[1].value);
      if (kindSelect[1].value) params.set("kind", kindSelect[1].value);
      var next = "#/queue" + (params.toString() ? "?" + params : "");
      if (location.hash === next) load();
      else location.hash = next;
    } }, h("label", { for: "filter-q", text: "Search" }), searchBox, statusSelect, kindSelect,
      h("span", { className: "check" }, mineBox, h("label", { for: "filter-mine", text: " My cases" })),
      h("button", { type: "submit", text: "Show" }));

    /** The queue's filters as the API takes them (the list and its CSV export alike). */
    function filterParams() {
      var params = new URLSearchParams();
      if (meta.statuses.some(function (s) { return s.value === status; })) params.set("status", status);
      if (kind) params.set("kind", kind);
      if (search) params.set("q", search);
      if (mine) params.set("mine", "true");
      return params;
    }
    var exportLink = h("a", { className: "button ghost", href: "/api/cases.csv?" + filterParams(), download: "",
      text: "Export CSV" });

    function load() {
      var params = filterParams();
      params.set("limit", "200");
      return api("GET", "/api/cases?" + params).then(function (list) {
        var cases = list.cases.filter(function (c) {
          return status !== "active" || isActive(c.status);
        });
        var groups = [
          ["Due now", cases.filter(function (c) { return c.due_now && c.status !== "in_progress"; })],
          ["Queued for the next opening", cases.filter(function (c) { return c.status === "queued" && !c.due_now; }), true],
          [label("open"), cases.filter(function (c) { return c.status === "open" && !c.due_now; })],
          [label("in_progress"), cases.filter(function (c) { return c.status === "in_progress"; })],
          [label("resolved") + " and " + label("closed").toLowerCase(), cases.filter(function (c) { return c.status === "resolved" || c.status === "closed"; })],
        ].filter(function (g) { return g[1].length; });
        results.textContent = "";
        if (!groups.length) append(results, h("p", { className: "card muted", text: "No cases match." }));
        groups.forEach(function (g) { results.appendChild(caseTable(g[0], g[1], g[2])); });
        if (list.total > list.cases.length) {
          append(results, h("p", { className: "muted", text: "Showing the oldest " + list.cases.length + " of " + list.total + "." }));
        }
      }).catch(function (error) {
        results.textContent = "";
        results.appendChild(errorBox(error));
      });
    }

    show("Queue", [
      h("div", { className: "title-row" }, h("h1", { text: "Queue" }),
        h("span", {}, exportLink, " ", h("button", { type: "button", className: "ghost", onclick: load, text: "Refresh" }))),
      h("p", { className: "muted", text: "Oldest due first. Cases made out of hours wait, queued, until " +
        meta.hours.opens + " on the next working day." }),
      filters,
      results,
    ]);
    load();
    refreshTimer = setInterval(load, 30000);
  }

  // --- one case ---------------------------------------------------------------------------

  function fields(pairs) {
    return h("dl", { className: "fields" }, pairs.filter(function (p) {
      return p[1] !== null && p[1] !== undefined && p[1] !== "";
    }).map(function (p) {
      return [h("dt", { text: p[0] }), h("dd", {}, typeof p[1] === "object" && !(p[1] instanceof Node) ? JSON.stringify(p[1]) : p[1])];
    }));
  }

  function eventText(e) {
    if (e.event === "created") return "Case created" + (e.to_status ? " (" + label(e.to_status) + ")" : "");
    if (e.event === "status_changed") return "Status: " + label(e.from_status) + " → " + label(e.to_status);
    if (e.event === "assigned") return "Assigned to " + e.note;
    if (e.event === "unassigned") return "Unassigned from " + e.note;
    if (e.event === "request_linked") return "The customer asked again";
    if (e.event === "tariff_emailed") return "Tariff details e-mailed";
    if (e.event === "email_failed") return "E-mail not delivered (given up)";
    if (e.event === "erased") return "The customer's details were erased";
    return "Note";
  }

  function transcriptView(events, showActions) {
    var list = h("ol", { className: "transcript" });
    events.forEach(function (e) {
      if (e.kind === "action") {
        if (!showActions) return;
        list.appendChild(h("li", { className: "t-action" }, "⚙ " + e.action.name,
          e.action.policy ? h("span", { className: "muted", text: " · " + e.action.policy }) : null));
        return;
      }
      var item = h("li", { className: "bubble bubble--" + e.kind },
        h("span", { className: "sr", text: e.kind === "user" ? "Customer: " : "Bot: " }),
        h("span", { className: "bubble-text", text: e.text || "" }));
      if (e.kind === "user" && e.intent) {
        item.appendChild(h("span", { className: "meta", text: e.intent.name + " · " + percent(e.intent.confidence) }));
      }
      if (e.buttons && e.buttons.length) {
        item.appendChild(h("span", { className: "meta", text: "Buttons: " + e.buttons.map(function (b) { return b.title; }).join(" | ") }));
      }
      if (e.at) item.setAttribute("title", when(e.at));
      list.appendChild(item);
    });
    if (!list.children.length) list.appendChild(h("li", { className: "muted", text: "Rasa has no messages for this conversation." }));
    return list;
  }

  function storyPanel(conversationId, defaultName) {
    var name = h("input", { id: "story-name-" + conversationId, value: defaultName || "", maxlength: "100" });
    var out = h("div", { className: "story-out", "aria-live": "polite" });
    return h("div", { className: "story" },
      h("form", { className: "inline", onsubmit: function (event) {
        event.preventDefault();
        out.textContent = "";
        var params = name.value.trim() ? "?" + new URLSearchParams({ name: name.value.trim() }) : "";
        api("GET", "/api/conversations/" + encodeURIComponent(conversationId) + "/story" + params)
          .then(function (story) {
            var blob = new Blob([story.yaml], { type: "text/yaml" });
            var pre = h("pre", { className: "yaml", tabindex: "0", "aria-label": "Test story YAML", text: story.yaml });
            out.appendChild(h("p", {},
              h("a", { className: "button", href: URL.createObjectURL(blob), download: story.filename, text: "Download " + story.filename }),
              " ",
              h("button", { type: "button", className: "ghost", text: "Copy", onclick: function () {
                navigator.clipboard.writeText(story.yaml).then(function () { say("Copied."); },
                  function () { say("Select the text and copy it."); });
              } }),
              h("span", { className: "muted", text: " Add it to tests/stories/ (check the intents first)." })));
            out.appendChild(pre);
          })
          .catch(function (error) { out.appendChild(errorBox(error)); });
      } },
      h("label", { for: name.id, text: "Story name" }), name,
      h("button", { type: "submit", text: "Save as test story" })),
      out);
  }

  function caseView(reference) {
    show(reference, h("p", { className: "muted", text: "Loading " + reference + "…" }));
    api("GET", "/api/cases/" + encodeURIComponent(reference)).then(function (c) {
      renderCase(c);
      focusHeading();
    }).catch(function (error) {
      show(reference, [h("h1", { text: reference }), errorBox(error), h("p", {}, h("a", { href: "#/queue", text: "Back to the queue" }))]);
    });
  }

  function renderCase(c) {
    var statusMessage = h("p", { className: "error", role: "alert", hidden: true });
    var moves = meta.transitions[c.status] || [];
    var statusSelect = h("select", { id: "new-status", name: "status" },
      moves.map(function (s) {
        return h("option", { value: s, text: label(s) });
      }));
    var statusNote = h("input", { id: "status-note", name: "note", maxlength: "2000" });
    var statusForm = h("form", { className: "card inline", "aria-label": "Change status", onsubmit: function (event) {
      event.preventDefault();
      statusMessage.hidden = true;
      var body = { status: statusSelect.value };
      if (statusNote.value.trim()) body.note = statusNote.value.trim();
      api("POST", "/api/cases/" + encodeURIComponent(c.reference) + "/status", body).then(function (updated) {
        renderCase(updated);
        say(c.reference + " is now " + label(updated.status) + ".");
        document.getElementById("case-status").focus();
      }).catch(function (error) {
        statusMessage.textContent = error.message;
        statusMessage.hidden = false;
      });
    } },
    h("h2", { text: "Change status" }),
    h("label", { for: "new-status", text: "New status" }), statusSelect,
    h("label", { for: "status-note", text: "Note (optional)" }), statusNote,
    h("button", { type: "submit", className: "primary", text: "Change status" }),
    statusMessage);
    if (!moves.length) {
      statusForm = h("p", { className: "card muted", text: "A " + label(c.status).toLowerCase() + " case cannot change status." });
    }

    var noteText = h("textarea", { id: "note-text", name: "text", rows: "3", maxlength: "2000", required: true });
    var noteMessage = h("p", { className: "error", role: "alert", hidden: true });
    var noteForm = h("form", { className: "card", onsubmit: function (event) {
      event.preventDefault();
      noteMessage.hidden = true;
      api("POST", "/api/cases/" + encodeURIComponent(c.reference) + "/notes", { text: noteText.value })
        .then(function () {
          say("Note added.");
          return api("GET", "/api/cases/" + encodeURIComponent(c.reference));
        })
        .then(function (updated) { renderCase(updated); })
        .catch(function (error) {
          noteMessage.textContent = error.message;
          noteMessage.hidden = false;
        });
    } },
    h("h2", {}, h("label", { for: "note-text", text: "Add a note" })), noteText, noteMessage,
    h("button", { type: "submit", text: "Add note" }));

    var history = h("ol", { className: "history" }, c.events.map(function (e) {
      return h("li", {},
        h("span", { className: "when", text: when(e.at) }), " ",
        h("strong", { text: eventText(e) }), " ",
        h("span", { className: "muted", text: "by " + e.actor }),
        e.note ? h("p", { className: "note", text: e.note }) : null);
    }));

    var conversation = h("section", { className: "card", "aria-labelledby": "conversation-title" },
      h("h2", { id: "conversation-title", text: "Conversation" }));
    if (c.conversation_id) {
      var body = h("div", { "aria-live": "polite" }, h("p", { className: "muted", text: "Loading the conversation from the bot…" }));
      var events = [];
      var showActions = h("input", { type: "checkbox", id: "show-actions", onchange: function () {
        body.textContent = "";
        body.appendChild(transcriptView(events, showActions.checked));
      } });
      append(conversation, [
        h("p", { className: "check" }, showActions, h("label", { for: "show-actions", text: " Show the bot's actions" })),
        body,
        h("details", {}, h("summary", { text: "Save this conversation as a test story" }),
          storyPanel(c.conversation_id, label(c.kind) + " " + c.reference)),
      ]);
      api("GET", "/api/conversations/" + encodeURIComponent(c.conversation_id)).then(function (t) {
        events = t.events;
        body.textContent = "";
        body.appendChild(transcriptView(events, showActions.checked));
      }).catch(function (error) {
        body.textContent = "";
        body.appendChild(errorBox(error));
      });
    } else {
      var erased = c.events.some(function (e) { return e.event === "erased"; });
      conversation.appendChild(h("p", { className: "muted",
        text: erased ? "The conversation was erased." : "This case was not made in a chat." }));
    }

    var details = Object.keys(c.details || {}).map(function (k) {
      var v = c.details[k];
      var name = k.replace(/_/g, " ");
      return [name.charAt(0).toUpperCase() + name.slice(1), Array.isArray(v) ? v.join(", ") : typeof v === "boolean" ? (v ? "yes" : "no") : v];
    });

    show(c.reference, [
      h("p", {}, h("a", { href: "#/queue", text: "← Queue" })),
      h("div", { className: "title-row" },
        h("h1", {}, c.reference, " ", h("span", { className: "muted", text: label(c.kind) })),
        h("span", { id: "case-status", tabindex: "-1", className: "status status--" + c.status, text: label(c.status) }),
        c.due_now ? h("span", { className: "badge badge--due", text: "Due now" }) : null),
      h("div", { className: "case-grid" },
        h("div", {},
          h("section", { className: "card" }, h("h2", { text: "Customer's words" }),
            h("blockquote", { className: "words", text: c.customer_words })),
          h("section", { className: "card" }, h("h2", { text: "Case" }), fields([
            ["Status", label(c.status)],
            ["Due", c.due_at_text + (c.due_now ? " (due now)" : "")],
            ["Respond by", h("span", {}, when(c.respond_by) + " ", dueClock(c))],
            ["Made", when(c.created_at) + " by " + c.created_by + " (" + c.channel + ")"],
            ["Updated", when(c.updated_at)],
            ["Account", c.account_number],
            ["Company", c.company_name],
            ["Contact", c.contact_name],
            ["Phone", c.contact_phone],
            ["Conversation", c.conversation_id],
          ].concat(details))),
          conversation),
        h("div", {},
          assigneePanel(c),
          c.kind === "tariff" ? tariffPanel(c) : null,
          isAdmin() ? erasePanel(c) : null,
          statusForm,
          noteForm,
          h("section", { className: "card" }, h("h2", { text: "History" }), history))),
    ]);
  }

  /** A tariff case: e-mail the account's services, tariffs and prices to its address. */
  function tariffPanel(c) {
    var message = h("p", { className: "error", role: "alert", hidden: true });
    return h("section", { className: "card" },
      h("h2", { text: "Tariff details" }),
      h("p", { className: "muted", text: "Sends the account's services, tariffs and monthly prices to the account's e-mail address, from the standard template." }),
      h("button", { type: "button", className: "primary", text: "E-mail tariff details", onclick: function () {
        message.hidden = true;
        api("POST", "/api/cases/" + encodeURIComponent(c.reference) + "/tariff-email")
          .then(function (updated) {
            renderCase(updated);
            say("Tariff details for " + c.reference + " are on their way to " + updated.events[updated.events.length - 1].note + ".");
          })
          .catch(function (error) {
            message.textContent = error.message;
            message.hidden = false;
          });
      } }),
      message);
  }

  /** Who works the case: take it or let it go; an admin gives it to anyone. */
  function assigneePanel(c) {
    var message = h("p", { className: "error", role: "alert", hidden: true });
    function assign(username) {
      message.hidden = true;
      api("PUT", "/api/cases/" + encodeURIComponent(c.reference) + "/assignee", { username: username })
        .then(function (updated) {
          renderCase(updated);
          say(updated.assigned_to ? c.reference + " is assigned to " + updated.assigned_to + "." : c.reference + " is unassigned.");
        })
        .catch(function (error) {
          message.textContent = error.message;
          message.hidden = false;
        });
    }
    var admin = me.role === "admin";
    var buttons = [];
    if (c.assigned_to !== me.username && (admin || !c.assigned_to)) {
      buttons.push(h("button", { type: "button", className: "primary", text: "Assign to me", onclick: function () { assign(me.username); } }));
    }
    if (c.assigned_to && (admin || c.assigned_to === me.username)) {
      buttons.push(h("button", { type: "button", text: "Unassign", onclick: function () { assign(null); } }));
    }
    var other = null;
    if (admin) {
      var name = h("input", { id: "assign-to", name: "username", maxlength: "64", required: true });
      other = h("form", { className: "inline", onsubmit: function (event) {
        event.preventDefault();
        assign(name.value.trim());
      } }, h("label", { for: "assign-to", text: "Assign to" }), name, h("button", { type: "submit", text: "Assign" }));
    }
    return h("section", { className: "card", "aria-label": "Assigned" },
      h("h2", { text: "Assigned" }),
      h("p", { id: "case-assignee", text: c.assigned_to || "No one yet" }),
      buttons, other, message);
  }

  /** UK GDPR erasure (admins): this case, or everything for its account, after a confirm. */
  function erasePanel(c) {
    var message = h("p", { className: "error", role: "alert", hidden: true });
    function erase(body, what) {
      if (!window.confirm("Erase " + what + "? The customer's words, name and phone are removed " +
          "from the case" + (body.account_number ? "s" : "") + ", and the conversations deleted. " +
          "This cannot be undone.")) return;
      message.hidden = true;
      api("POST", "/api/admin/erasures", body)
        .then(function (result) {
          say("Erased " + result.summary + ".");
          return api("GET", "/api/cases/" + encodeURIComponent(c.reference));
        })
        .then(function (updated) { renderCase(updated); })
        .catch(function (error) {
          message.textContent = error.message;
          message.hidden = false;
        });
    }
    return h("section", { className: "card", "aria-labelledby": "erase-title" },
      h("h2", { id: "erase-title", text: "Erase (UK GDPR)" }),
      h("button", { type: "button", className: "danger", text: "Erase this case",
        onclick: function () { erase({ reference: c.reference }, "case " + c.reference); } }),
      c.account_number ? [" ", h("button", { type: "button", className: "danger",
        text: "Erase everything for " + c.account_number,
        onclick: function () {
          erase({ account_number: c.account_number }, "every case of account " + c.account_number);
        } })] : null,
      message);
  }

  // --- accounts (admins) ------------------------------------------------------------------

  /** Import customer accounts from CSV: check it (dry run), then import; every rejected
   * line is listed and nothing changes until the whole file is good. */
  function accountsView() {
    var file = h("input", { id: "accounts-file", type: "file", accept: ".csv,text/csv", required: true });
    var out = h("div", { "aria-live": "polite" });
    function send(dryRun) {
      out.textContent = "";
      if (!file.files.length) return append(out, errorBox("Choose a CSV file first."));
      append(out, h("p", { className: "muted", text: "Checking " + file.files[0].name + "…" }));
      api("POST", "/api/admin/accounts/import" + (dryRun ? "?dry_run=true" : ""), file.files[0], "text/csv")
        .then(function (report) {
          out.textContent = "";
          append(out, h("p", { className: "card", role: "status", text: report.accounts + " accounts (" + report.created + " new, " +
            report.updated + " updated), " + report.services + " services: " + (report.imported ? "imported." : "all good; nothing imported yet (dry run).") }));
        })
        .catch(function (error) {
          out.textContent = "";
          append(out, errorBox(error));
        });
    }
    show("Accounts", [
      h("h1", { text: "Import accounts" }),
      h("p", { className: "muted", text: "A CSV file, one line per service (the format is in backend/README.md). " +
        "Accounts are updated by account number; any bad line rejects the whole file." }),
      h("form", { className: "card inline", onsubmit: function (event) { event.preventDefault(); send(false); } },
        h("label", { for: "accounts-file", text: "CSV file" }), file,
        h("button", { type: "button", text: "Check only", onclick: function () { send(true); } }),
        h("button", { type: "submit", className: "primary", text: "Import" })),
      out,
    ]);
  }

  // --- try the bot ------------------------------------------------------------------------

  function newTryId() {
    var bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return "try-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function analysis(turn) {
    var intent = turn.intent
      ? h("p", { className: "intent" }, h("strong", { text: turn.intent.name }), " ",
        h("span", { className: "confidence", text: percent(turn.intent.confidence) }),
        h("meter", { min: "0", max: "1", value: String(turn.intent.confidence), "aria-label": "Confidence" }))
      : h("p", { className: "muted", text: "No intent (a button payload or an empty parse)." });
    var ranking = turn.intent_ranking.slice(1, 4).map(function (i) { return i.name + " " + percent(i.confidence); }).join(", ");
    var entities = turn.entities.length
      ? h("ul", { className: "plain" }, turn.entities.map(function (e) {
        return h("li", {}, h("code", { text: e.entity }), " = ", h("span", { text: typeof e.value === "string" ? e.value : JSON.stringify(e.value) }),
          e.extractor ? h("span", { className: "muted", text: " (" + e.extractor + ")" }) : null);
      }))
      : h("span", { className: "muted", text: "none" });
    var slotNames = Object.keys(turn.slots);
    var slots = slotNames.length
      ? h("ul", { className: "plain" }, slotNames.map(function (k) {
        var v = turn.slots[k];
        return h("li", {}, h("code", { text: k }), " = ", h("span", { text: typeof v === "string" ? v : JSON.stringify(v) }));
      }))
      : h("span", { className: "muted", text: "none set" });
    var actions = turn.actions.length
      ? h("ol", { className: "plain" }, turn.actions.map(function (a) {
        return h("li", {}, h("code", { text: a.name }),
          a.policy ? h("span", { className: "muted", text: " · " + a.policy + (a.confidence !== null && a.confidence !== undefined ? " " + percent(a.confidence) : "") }) : null);
      }))
      : h("span", { className: "muted", text: "none" });
    return h("dl", { className: "analysis" },
      h("dt", { text: "Intent" }), h("dd", {}, intent, ranking ? h("p", { className: "muted small", text: "then " + ranking }) : null),
      h("dt", { text: "Entities" }), h("dd", {}, entities),
      h("dt", { text: "Slots" }), h("dd", {}, slots),
      h("dt", { text: "Next actions" }), h("dd", {}, actions),
      turn.active_loop ? [h("dt", { text: "Active form" }), h("dd", {}, h("code", { text: turn.active_loop }))] : null);
  }

  function tryView() {
    var conversationId = newTryId();
    var started = false;
    var clock = h("input", { id: "try-clock", type: "datetime-local", step: "60" });
    var clockNote = h("p", { className: "muted small", text: "Empty: real time. The chosen time holds for this conversation only." });
    var turns = h("ol", { className: "turns", "aria-live": "polite", "aria-label": "Conversation with the bot" });
    var text = h("input", { id: "try-text", autocomplete: "off", maxlength: "2000", placeholder: "Say something as a customer" });
    var sendButton = h("button", { type: "submit", className: "primary", text: "Send" });
    var waiting = h("p", { className: "muted", hidden: true, text: "The bot is thinking…" });
    var idText = h("code", { text: conversationId });
    var storySlot = h("div");

    function sendMessage(message, shown) {
      if (!message.trim()) return;
      if (!started) {
        started = true;
        clock.disabled = true;
        storySlot.textContent = "";
        storySlot.appendChild(h("details", { className: "card" }, h("summary", { text: "Save this conversation as a test story" }),
          storyPanel(conversationId, "")));
      }
      var body = { conversation_id: conversationId, message: message };
      if (clock.value) body.now = clock.value.slice(0, 16);
      var item = h("li", { className: "turn card" }, h("p", { className: "bubble bubble--user" },
        h("span", { className: "sr", text: "You said: " }), h("span", { text: shown || message })));
      turns.appendChild(item);
      sendButton.disabled = true;
      waiting.hidden = false;
      api("POST", "/api/try", body).then(function (turn) {
        item.appendChild(analysis(turn));
        if (turn.now && !turn.clock_override_honoured) {
          item.appendChild(h("p", { className: "error", text: "The chosen time is ignored: start the case service with FOCUS_ALLOW_CLOCK_OVERRIDE=1 and FOCUS_SESSION_SECRET (make run sets the secret)." }));
        }
        turn.replies.forEach(function (r) {
          var reply = h("div", { className: "bubble bubble--bot" }, h("span", { className: "sr", text: "Bot: " }), h("span", { className: "bubble-text", text: r.text || "" }));
          if (r.buttons.length) {
            reply.appendChild(h("div", { className: "buttons", role: "group", "aria-label": "Buttons" }, r.buttons.map(function (b) {
              return h("button", { type: "button", className: "chip", text: b.title, title: b.payload, onclick: function () {
                sendMessage(b.payload, b.title);
              } });
            })));
          }
          item.appendChild(reply);
        });
        if (!turn.replies.length) item.appendChild(h("p", { className: "muted", text: "(no reply)" }));
      }).catch(function (error) {
        item.appendChild(errorBox(error));
      }).then(function () {
        sendButton.disabled = false;
        waiting.hidden = true;
        item.scrollIntoView({ block: "end" });
        text.focus();
      });
    }

    var form = h("form", { className: "try-form", onsubmit: function (event) {
      event.preventDefault();
      var message = text.value;
      text.value = "";
      sendMessage(message);
    } }, h("label", { for: "try-text", className: "sr", text: "Message to the bot" }), text, sendButton);

    show("Try the bot", [
      h("div", { className: "title-row" }, h("h1", { text: "Try the bot" }),
        h("button", { type: "button", className: "ghost", text: "New conversation", onclick: tryView })),
      h("div", { className: "card try-controls" },
        h("label", { for: "try-clock", text: "Clock (UK time) for this conversation" }), clock, clockNote,
        h("p", { className: "muted small" }, "Conversation ", idText)),
      turns, waiting, form, storySlot,
    ]);
    text.focus();
  }

  // --- reports ----------------------------------------------------------------------------

  /** A bar: its value as data-key/data-value and as a tooltip, e.g. "Fault: 3". */
  function bar(attrs, entry) {
    var node = svg("rect", attrs);
    node.setAttribute("data-key", entry.key);
    node.setAttribute("data-value", String(entry.value));
    node.appendChild(svg("title", {}, entry.label + ": " + entry.value));
    return node;
  }

  function barChart(title, entries, options) {
    var width = options.width, barH = 26, gap = 8, left = options.left || 150, right = 50;
    var height = entries.length * (barH + gap) + 10;
    var max = Math.max.apply(null, entries.map(function (e) { return e.value; }).concat([1]));
    var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": options.id + "-t", class: "chart" });
    chart.appendChild(svg("title", { id: options.id + "-t" }, title));
    entries.forEach(function (e, i) {
      var y = 5 + i * (barH + gap);
      var w = Math.round((width - left - right) * e.value / max);
      chart.appendChild(svg("text", { x: left - 8, y: y + barH * 0.68, "text-anchor": "end", class: "axis" }, e.label));
      chart.appendChild(bar({ x: left, y: y, width: Math.max(w, 1), height: barH, rx: 3, class: "bar" }, e));
      chart.appendChild(svg("text", { x: left + w + 6, y: y + barH * 0.68, class: "value" }, String(e.value)));
    });
    return chart;
  }

  /** Cases by hour of day, with the opening hours (from /api/meta) shaded. */
  function hourChart(entries) {
    var width = 760, height = 240, left = 36, bottom = 30, top = 12;
    var opens = hoursOf(meta.hours.opens), closes = hoursOf(meta.hours.closes);
    var max = Math.max.apply(null, entries.map(function (e) { return e.value; }).concat([1]));
    var slot = (width - left - 10) / 24;
    var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": "hours-t", class: "chart" });
    chart.appendChild(svg("title", { id: "hours-t" }, "Cases made in each hour of the day (UK time); the shaded band is " +
      meta.hours.opens + " to " + meta.hours.closes));
    var plotH = height - bottom - top;
    chart.appendChild(svg("rect", { x: left + opens * slot, y: top, width: (closes - opens) * slot, height: plotH, class: "open-band" }));
    entries.forEach(function (e, i) {
      var v = e.value, barH = Math.round(plotH * v / max);
      var outOfHours = i + 1 <= opens || i >= closes;
      chart.appendChild(bar({ x: left + i * slot + 2, y: top + plotH - barH, width: slot - 4, height: Math.max(barH, v ? 1 : 0), rx: 2, class: outOfHours ? "bar bar--ooh" : "bar" }, e));
      if (i % 3 === 0) chart.appendChild(svg("text", { x: left + i * slot + slot / 2, y: height - 10, "text-anchor": "middle", class: "axis" }, e.label));
      if (v) chart.appendChild(svg("text", { x: left + i * slot + slot / 2, y: top + plotH - barH - 4, "text-anchor": "middle", class: "value" }, String(v)));
    });
    chart.appendChild(svg("line", { x1: left, x2: width - 10, y1: top + plotH, y2: top + plotH, class: "baseline" }));
    return chart;
  }

  function shareChart(summary) {
    var width = 760, height = 56, share = summary.out_of_hours_share;
    var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": "share-t", class: "chart" });
    chart.appendChild(svg("title", { id: "share-t" }, "Out of hours: " + percent(share) + " of " + summary.total + " cases"));
    var w = Math.round(width * share);
    chart.appendChild(svg("rect", { x: 0, y: 8, width: width, height: 30, rx: 4, class: "bar" }));
    chart.appendChild(svg("rect", { x: 0, y: 8, width: w, height: 30, rx: 4, class: "bar bar--ooh" }));
    chart.appendChild(svg("text", { x: 8, y: 28, class: "on-bar" }, "Out of hours " + percent(share)));
    chart.appendChild(svg("text", { x: width - 8, y: 28, "text-anchor": "end", class: "on-bar" }, "In hours " + percent(1 - share)));
    return chart;
  }

  function dataTable(caption, rows) {
    return h("details", {}, h("summary", { text: "As a table" }),
      h("table", {}, h("caption", { className: "sr", text: caption }),
        h("tbody", {}, rows.map(function (r) { return h("tr", {}, h("th", { scope: "row", text: r.label }), h("td", { text: String(r.value) })); }))));
  }

  /** Messages each day (UK dates), the part the bot did not understand drawn over them. */
  function dayChart(days) {
    var width = 760, height = 220, left = 36, bottom = 30, top = 16;
    var plotH = height - bottom - top, slot = (width - left - 10) / Math.max(days.length, 1);
    var max = Math.max.apply(null, days.map(function (d) { return d.messages; }).concat([1]));
    var every = Math.ceil(days.length / 12);
    var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": "days-t", class: "chart", id: "chart-days" });
    chart.appendChild(svg("title", { id: "days-t" }, "Customers' messages each day, and those not understood"));
    days.forEach(function (d, i) {
      var x = left + i * slot + 2, w = Math.max(slot - 4, 1);
      var all = Math.round(plotH * d.messages / max), missed = Math.round(plotH * d.not_understood / max);
      chart.appendChild(bar({ x: x, y: top + plotH - all, width: w, height: all, rx: 2, class: "bar" },
        { key: d.day, label: d.day + " messages", value: d.messages }));
      chart.appendChild(bar({ x: x, y: top + plotH - missed, width: w, height: missed, rx: 2, class: "bar bar--missed" },
        { key: d.day + ":not-understood", label: d.day + " not understood", value: d.not_understood }));
      if (i % every === 0) chart.appendChild(svg("text", { x: x + w / 2, y: height - 10, "text-anchor": "middle", class: "axis" }, d.day.slice(5)));
    });
    chart.appendChild(svg("line", { x1: left, x2: width - 10, y1: top + plotH, y2: top + plotH, class: "baseline" }));
    return chart;
  }

  var OUTCOMES = [["completed", "Completed"], ["stopped", "Stopped"], ["gave_up", "Gave up"], ["left", "Went away"]];
  function formName(form) {
    var name = form.replace(/_form$/, "").replace(/_/g, " ");
    return name.charAt(0).toUpperCase() + name.slice(1);
  }

  /** Each form started, as one bar split by how it ended. */
  function formChart(forms) {
    var width = 760, barH = 26, gap = 8, left = 150, right = 90;
    var height = forms.length * (barH + gap) + 10;
    var max = Math.max.apply(null, forms.map(function (f) { return f.started; }).concat([1]));
    var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": "forms-t", class: "chart", id: "chart-forms" });
    chart.appendChild(svg("title", { id: "forms-t" }, "Forms started, by how they ended"));
    forms.forEach(function (f, i) {
      var y = 5 + i * (barH + gap), x = left;
      chart.appendChild(svg("text", { x: left - 8, y: y + barH * 0.68, "text-anchor": "end", class: "axis" }, formName(f.form)));
      OUTCOMES.forEach(function (outcome) {
        var w = (width - left - right) * f[outcome[0]] / max;
        if (!w) return;
        chart.appendChild(bar({ x: x, y: y, width: w, height: barH, class: "bar outcome--" + outcome[0] },
          { key: f.form + ":" + outcome[0], label: formName(f.form) + ", " + outcome[1].toLowerCase(), value: f[outcome[0]] }));
        x += w;
      });
      chart.appendChild(svg("text", { x: x + 6, y: y + barH * 0.68, class: "value" }, f.started + " started"));
    });
    return chart;
  }

  function legend() {
    return h("ul", { className: "legend" }, OUTCOMES.map(function (outcome) {
      return h("li", {}, h("span", { className: "swatch outcome--" + outcome[0] }), outcome[1]);
    }));
  }

  /** The bot with customers over a period, from Rasa's conversations (staff only: the
   * messages are customers' own words). */
  function botReport(results, from, to) {
    results.textContent = "Loading…";
    var query = "?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to);
    api("GET", "/api/reports/conversations" + query).then(function (r) {
      var missed = r.top_not_understood.map(function (m) {
        var short = m.text.length > 40 ? m.text.slice(0, 39) + "…" : m.text;
        return { key: m.text, label: short, value: m.count };
      });
      var formRows = [];
      r.forms.forEach(function (f) {
        OUTCOMES.forEach(function (o) { formRows.push({ label: formName(f.form) + ", " + o[1].toLowerCase(), value: f[o[0]] }); });
      });
      results.textContent = "";
      append(results, [
        h("p", { id: "fallback-rate" }, h("strong", { text: String(r.conversations) }), " conversations, ",
          h("strong", { text: String(r.messages) }), " messages; not understood: ",
          h("strong", { text: String(r.not_understood) }), " (fallback rate " + percent(r.fallback_rate) + ")."),
        h("h3", { text: "Messages each day" }), dayChart(r.by_day),
        dataTable("Messages each day", r.by_day.map(function (d) { return { label: d.day, value: d.not_understood + " of " + d.messages + " not understood" }; })),
        h("h3", { text: "Forms: completed and abandoned" }),
        r.forms.length ? [legend(), formChart(r.forms), dataTable("Forms by outcome", formRows)] : h("p", { className: "muted", text: "No form was started." }),
        h("h3", { text: "Most frequent messages not understood" }),
        h("p", { className: "muted small", text: "Customers' own words, for new training data: do not copy them outside the team." }),
        missed.length ? [barChart("Most frequent messages not understood", missed, { width: 760, id: "missed", left: 320 }),
          dataTable("Messages not understood", r.top_not_understood.map(function (m) { return { label: m.text, value: m.count }; }))]
          : h("p", { className: "muted", text: "None." }),
      ]);
    }).catch(function (error) {
      results.textContent = "";
      append(results, errorBox(error));
    });
  }

  function isoDay(date) { return date.toISOString().slice(0, 10); }

  function botSection() {
    var today = new Date();
    var from = h("input", { id: "report-from", type: "date", value: isoDay(new Date(today.getTime() - 6 * 864e5)), required: true });
    var to = h("input", { id: "report-to", type: "date", value: isoDay(today), required: true });
    var results = h("div", { id: "bot-report", "aria-live": "polite" });
    var form = h("form", { className: "filters", onsubmit: function (event) {
      event.preventDefault();
      botReport(results, from.value, to.value);
    } }, h("label", {}, "From ", from), h("label", {}, "To ", to), h("button", { type: "submit", text: "Show" }));
    botReport(results, from.value, to.value);
    return h("section", { className: "card" }, h("h2", { text: "How the bot did" }), form, results);
  }

  function reportsView() {
    show("Reports", [h("h1", { text: "Reports" }), h("p", { className: "muted", text: "Loading…" })]);
    api("GET", "/api/reports/summary").then(function (s) {
      var kinds = meta.kinds.map(function (k) { return { key: k.value, label: k.label, value: s.by_kind[k.value] || 0 }; });
      var hours = [];
      for (var i = 0; i < 24; i++) hours.push({ key: String(i), label: ("0" + i).slice(-2) + ":00", value: s.by_hour[String(i)] || 0 });
      show("Reports", [
        h("h1", { text: "Reports" }),
        h("p", { className: "lead" }, h("strong", { text: String(s.total) }), " cases, ",
          h("strong", { text: String(s.out_of_hours) }), " of them made out of hours (" + percent(s.out_of_hours_share) + ")."),
        h("section", { className: "card" }, h("h2", { text: "Cases by kind" }),
          barChart("Cases by kind", kinds, { width: 760, id: "kinds" }), dataTable("Cases by kind", kinds)),
        h("section", { className: "card" }, h("h2", { text: "Cases by hour of day (UK time)" }),
          hourChart(hours), dataTable("Cases by hour of day", hours)),
        h("section", { className: "card" }, h("h2", { text: "Out-of-hours share" }), shareChart(s)),
        botSection(),
      ]);
    }).catch(function (error) {
      show("Reports", [h("h1", { text: "Reports" }), errorBox(error)]);
    });
  }

  // --- routing ----------------------------------------------------------------------------

  /** A banner while failed account checks spike: someone may be guessing accounts. */
  function checkAlert() {
    if (!me || me.must_change_password) {
      alertBanner.hidden = true;
      return;
    }
    api("GET", "/api/reports/verification").then(function (report) {
      alertBanner.textContent = report.failures_last_hour + " failed account checks in the " +
        "last hour (more than " + report.threshold + "): someone may be guessing account " +
        "numbers and postcodes.";
      alertBanner.hidden = !report.alert;
    }).catch(function () { /* the banner waits for the next check */ });
  }
  setInterval(checkAlert, 60000);

  function route() {
    checkAlert();
    if (!me) return loginView();
    if (me.must_change_password) return changePasswordView();
    var hash = location.hash || "#/queue";
    if (hash.indexOf("#/password") === 0) return accountRoute(changePasswordView);
    if (isAdmin() && hash.indexOf("#/staff") === 0) return accountRoute(staffView);
    if (isAdmin() && hash.indexOf("#/audit") === 0) return accountRoute(auditView);
    if (hash.indexOf("#/case/") === 0) caseView(decodeURIComponent(hash.slice(7)));
    else if (hash.indexOf("#/try") === 0) tryView();
    else if (hash.indexOf("#/reports") === 0) reportsView();
    else if (hash.indexOf("#/accounts") === 0 && isAdmin()) accountsView();
    else queueView();
    if (hash.indexOf("#/case/") !== 0 && hash.indexOf("#/try") !== 0) focusHeading();
  }

  /** A view of the staff-account pages (my password; admins' staff and audit log). */
  function accountRoute(view) {
    view();
    focusHeading();
  }

  /** Every minute: has the session ended (idle timeout, or an admin ended it)? */
  function watchSession() {
    if (me) api("GET", "/api/auth/me").catch(function () {});
  }
  ["click", "keydown", "submit"].forEach(function (type) {
    document.addEventListener(type, function () { lastActivity = Date.now(); }, true);
  });
  setInterval(watchSession, 60000);

  function setMeta(vocabulary) {
    meta = vocabulary;
    labels = {};
    meta.kinds.concat(meta.statuses).forEach(function (item) { labels[item.value] = item.label; });
  }

  /** The vocabulary and who is logged in, then the view the URL names. */
  function start() {
    var user = fetch("/api/auth/me", { credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
      .catch(function () { return { ok: false, data: {} }; });
    Promise.all([api("GET", "/api/meta"), user]).then(function (loaded) {
      setMeta(loaded[0]);
      setUser(loaded[1].ok ? loaded[1].data : null);
      if (!me && loaded[1].data.type === "/problems/session-ended") return loginView(SESSION_ENDED);
      route();
    }).catch(function (error) {
      show("Not available", [h("h1", { text: "The console cannot start" }),
        errorBox("The case service did not send the console's settings: " + error.message),
        h("button", { type: "button", className: "primary", text: "Try again", onclick: start })]);
    });
  }

  window.addEventListener("hashchange", function () { if (meta) route(); });
  start();
})();
