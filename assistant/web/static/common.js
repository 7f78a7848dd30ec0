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

  plain(text, atLineStart = true) {
    // A passage's text without its Markdown markers: headings' "#", emphasis "**" "__" "*", quote ">", rules,
    // table separator rows, links and code ticks go; a list item's "- " / "* " / "+ " becomes the bullet "• ".
    // atLineStart: whether text begins a line (false for a piece cut from the middle of one).
    return text.split("\n").map((line, i) => {
      let s = line;
      if (i > 0 || atLineStart) {
        if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(s)) return "";
        if (/^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*(:?-{3,}:?\s*)?$/.test(s)) return "";
        s = s.replace(/^(\s*)#{1,6}\s+/, "$1").replace(/^(\s*)>\s?/, "$1").replace(/^(\s*)[-*+]\s+/, "$1• ");
      }
      return s
        .replace(/\*\*/g, "")
        .replace(/(^|[^\w])__(?=\S)([^_\n]*?\S)__(?![\w])/g, "$1$2")
        .replace(/(^|[\s(“"])\*(?=\S)([^*\n]*?\S)\*(?=$|[\s).,;:!?”"])/g, "$1$2")
        .replace(/`([^`\n]*)`/g, "$1")
        .replace(/\[([^\]\n]+)\]\([^)\s]*\)/g, "$1");
    }).join("\n");
  },

  highlighted(context) {
    // A passage's source text with the cited quote, [quote_start, quote_end) of context.text, in a <mark>,
    // shown without Markdown markers (each piece cleaned on its own, so the offsets still hold).
    const node = App.el("div", { class: "context" });
    const { text, quote_start: qs, quote_end: qe } = context;
    if (qs === null || qe === null || qs < 0 || qe > text.length || qs >= qe) {
      node.append(App.plain(text));
      return node;
    }
    const startsLine = (at) => at === 0 || text[at - 1] === "\n";
    node.append(
      App.plain(text.slice(0, qs)),
      App.el("mark", { text: App.plain(text.slice(qs, qe), startsLine(qs)) }),
      App.plain(text.slice(qe), startsLine(qe)),
    );
    return node;
  },

  revealMarks(container) {
    // Scroll each passage box so that its first highlighted quote is in view (the box only, never the page).
    for (const box of container.querySelectorAll(".context")) {
      const mark = box.querySelector("mark");
      if (!mark) continue;
      const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;
      box.scrollTop += offset - Math.min(box.clientHeight / 3, 48);
    }
  },

  date(value) {
    // dd/mm/yyyy for an ISO day ("2025-01-15"); dd/mm/yyyy hh:mm for a time in seconds since the epoch.
    if (value === null || value === undefined || value === "") return "";
    if (typeof value === "number") {
      const d = new Date(value * 1000);
      const two = (n) => String(n).padStart(2, "0");
      return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}`;
    }
    const m = String(value).match(/^(\d{4})-(\d{2})-(\d{2})/);
    return m ? `${m[3]}/${m[2]}/${m[1]}` : String(value);
  },

  docLink(key, docId) {
    return App.el("a", { class: "doc", href: `/library#doc=${encodeURIComponent(key || docId)}`, text: docId });
  },

  detail(body, res) {
    if (body && typeof body.message === "string") return body.message; // 422: the Vietnamese line beside FastAPI's list
    if (body && typeof body.detail === "string") return body.detail;
    if (body && Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join("; ");
    return `Lỗi ${res.status}${res.status === 403 ? ": vai trò của bạn không được làm việc này" : ""}`;
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
