// Shared by every page: API calls with the session cookie, the header, small DOM helpers.
// Text from the server is only ever set with textContent, never parsed as HTML.
"use strict";

const App = {
  me: null,

  async api(path, options = {}) {
    const opts = { credentials: "same-origin", ...options };
    opts.headers = { Accept: "application/json", ...(options.headers || {}) };
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    const res = await fetch(path, opts);
    if (res.status === 401 && !path.startsWith("/auth/login")) {
      window.location.href = "/login";
      throw new Error("Phiên đăng nhập đã hết hạn.");
    }
    return res;
  },

  async json(path, options = {}) {
    const res = await App.api(path, options);
    const body = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) throw new Error(App.detail(body, res));
    return body;
  },

  async readEvents(res, onEvent) {
    // Server-sent events of a fetch response: onEvent(name, data) for each, data parsed from its JSON line.
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        onEvent(event, data ? JSON.parse(data) : null);
      }
    }
  },

  highlighted(context) {
    // A passage's source text with the cited quote, [quote_start, quote_end) of context.text, in a <mark>.
    const node = App.el("div", { class: "context" });
    const { text, quote_start: qs, quote_end: qe } = context;
    if (qs === null || qe === null || qs < 0 || qe > text.length || qs >= qe) {
      node.append(text);
      return node;
    }
    node.append(text.slice(0, qs), App.el("mark", { text: text.slice(qs, qe) }), text.slice(qe));
    return node;
  },

  docLink(key, docId) {
    return App.el("a", { class: "doc", href: `/library#doc=${encodeURIComponent(key || docId)}`, text: docId });
  },

  detail(body, res) {
    if (body && typeof body.detail === "string") return body.detail;
    if (body && Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join("; ");
    return `Lỗi ${res.status}`;
  },

  el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  },

  levelBadge(level) {
    const rank = ["công khai", "nội bộ", "mật", "tối mật"].indexOf(level);
    return App.el("span", { class: `level level-${rank}`, text: level });
  },

  can(permission) {
    return !!App.me && App.me.permissions.includes(permission);
  },

  async header() {
    App.me = await App.json("/auth/me");
    const who = document.getElementById("who");
    if (who) who.textContent = `${App.me.display_name} · ${App.me.role_label || App.me.role} · độ mật: ${App.me.clearance}`;
    for (const link of document.querySelectorAll("[data-perm]")) {
      if (!App.can(link.dataset.perm)) link.classList.add("hidden");
    }
    for (const link of document.querySelectorAll("header nav a")) {
      if (link.getAttribute("href") === window.location.pathname) link.classList.add("active");
    }
    const out = document.getElementById("logout");
    if (out) {
      out.addEventListener("click", async () => {
        await App.api("/auth/logout", { method: "POST" });
        window.location.href = "/login";
      });
    }
    return App.me;
  },
};
