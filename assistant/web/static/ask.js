// The ask page: the answer streams in (events: passages, units, text, answer), then each verified citation is
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
  // "[n]" markers become links to the sources panel; everything else is plain text, without Markdown markers.
  text = App.plain(text);
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
      App.docLink(passage.key, c.doc_id),
      App.el("span", { class: "crumb", text: c.breadcrumb || "" }),
      App.el("span", { class: "verified", text: c.verified ? "✓ đã kiểm chứng" : "✗ chưa kiểm chứng" }),
    );
    const card = App.el("div", { class: "source", id: `source-${c.n}` }, head);
    if (c.context) card.append(App.highlighted(c.context));
    else card.append(App.el("blockquote", { text: `“${c.quote}”` }));
    box.append(card);
  }
  App.revealMarks(box);
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
  await App.readEvents(res, (event, payload) => {
    if (event === "passages") {
      renderPassages(payload);
      $("status").textContent = "Đã tìm thấy căn cứ; mô hình đang trả lời…";
    } else if (event === "units") {
      // the evidence the answer rests on: the passages' own words, shown before the prose is written
      renderSources({ citations: payload, passages: [] });
      $("status").textContent = "Đã chọn căn cứ; mô hình đang viết câu trả lời…";
    } else if (event === "text") {
      $("draft").textContent += payload;
    } else if (event === "answer") {
      renderAnswer(payload);
    } else if (event === "error") {
      throw new Error(payload.detail);
    }
  });
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
