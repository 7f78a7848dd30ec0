// The ask page: the answer streams in (events: passages, text, answer), then each verified citation is
// shown with its quote highlighted inside the passage, using the citation's character offsets.
"use strict";

const $ = (id) => document.getElementById(id);

function renderPassages(passages) {
  const list = $("passages");
  list.replaceChildren();
  for (const p of passages) {
    const link = App.el("a", { href: `/library#doc=${encodeURIComponent(p.key)}`, text: p.doc_id });
    list.append(App.el("li", {}, link, ` › ${p.breadcrumb || "(đầu văn bản)"}`));
  }
}

function renderAnswerText(text) {
  // "[n]" markers become links to the sources panel; everything else is plain text.
  const box = $("answer");
  box.classList.remove("muted");
  box.replaceChildren();
  let last = 0;
  for (const m of text.matchAll(/\[(\d+)\]/g)) {
    box.append(text.slice(last, m.index));
    box.append(App.el("a", { class: "ref", href: `#source-${m[1]}`, text: m[0] }));
    last = m.index + m[0].length;
  }
  box.append(text.slice(last));
}

function highlighted(context) {
  // context.text is the passage's source text; [quote_start, quote_end) is the cited quote in it.
  const node = App.el("div", { class: "context" });
  const { text, quote_start: qs, quote_end: qe } = context;
  if (qs === null || qe === null || qs < 0 || qe > text.length || qs >= qe) {
    node.append(text);
    return node;
  }
  node.append(text.slice(0, qs), App.el("mark", { text: text.slice(qs, qe) }), text.slice(qe));
  return node;
}

function renderSources(answer) {
  const box = $("sources");
  box.replaceChildren();
  if (!answer.citations.length) {
    box.append(App.el("p", { class: "muted", text: "Không có trích dẫn nào được kiểm chứng." }));
    return;
  }
  for (const c of answer.citations) {
    const passage = answer.passages[c.n - 1] || {};
    const head = App.el(
      "div", { class: "head" },
      App.el("span", { class: "n", text: `[${c.n}]` }),
      App.el("a", { class: "doc", href: `/library#doc=${encodeURIComponent(passage.key || c.doc_id)}`, text: c.doc_id }),
      App.el("span", { class: "crumb", text: c.breadcrumb || "" }),
      App.el("span", { class: "verified", text: c.verified ? "✓ đã kiểm chứng" : "✗ chưa kiểm chứng" }),
    );
    const card = App.el("div", { class: "source", id: `source-${c.n}` }, head);
    if (c.context) card.append(highlighted(c.context));
    else card.append(App.el("blockquote", { text: `“${c.quote}”` }));
    box.append(card);
  }
}

function renderAnswer(answer) {
  $("draft").textContent = "";
  renderAnswerText(answer.answer);
  renderSources(answer);
  renderPassages(answer.passages);
  const notes = $("notes");
  notes.replaceChildren(...answer.notes.map((n) => App.el("li", { text: n })));
  const mode = { generated: "câu trả lời của mô hình, trích dẫn đã kiểm chứng", extractive: "câu trích nguyên văn", refused: "không đủ căn cứ" };
  $("status").textContent = `Xong (${mode[answer.mode] || answer.mode}).`;
}

async function ask(question) {
  $("status").textContent = "Đang tìm căn cứ…";
  $("answer").textContent = "";
  $("draft").textContent = "";
  $("notes").replaceChildren();
  $("sources").replaceChildren();
  $("passages").replaceChildren();
  const res = await App.api("/ask", {
    method: "POST",
    json: { question, stream: true },
    headers: { Accept: "text/event-stream" },
  });
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    throw new Error(App.detail(body, res));
  }
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
      const payload = data ? JSON.parse(data) : null;
      if (event === "passages") {
        renderPassages(payload);
        $("status").textContent = "Đã tìm thấy căn cứ; mô hình đang trả lời…";
      } else if (event === "text") {
        $("draft").textContent += payload;
      } else if (event === "answer") {
        renderAnswer(payload);
      } else if (event === "error") {
        throw new Error(payload.detail);
      }
    }
  }
}

App.header().then(() => {
  $("ask-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const question = $("question").value.trim();
    if (!question) return;
    const button = $("ask-button");
    button.disabled = true;
    try {
      await ask(question);
    } catch (exc) {
      $("status").textContent = "";
      $("answer").replaceChildren(App.el("span", { class: "error", text: `Lỗi: ${exc.message}` }));
    } finally {
      button.disabled = false;
    }
  });
});
