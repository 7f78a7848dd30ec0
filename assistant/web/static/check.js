// The draft-check page: a pasted or uploaded draft goes to POST /check with stream on; progress events move
// the bar, then every statement is shown with its verdict, what differs, a suggested rewrite and the directive
// passage it rests on, the verified quote highlighted in it. The counts per verdict filter the list.
"use strict";

const $ = (id) => document.getElementById(id);
const VERDICTS = ["contradicts", "consistent", "not_covered"];
const LABELS = { contradicts: "mâu thuẫn", consistent: "nhất quán", not_covered: "không có căn cứ" };
let showOnly = null;

function placeOf(st) {
  const parts = st.section ? st.section.split(" › ").slice(-2) : [];
  return [...parts, `đoạn ${st.paragraph}`].join(" › ");
}

function evidenceCard(st) {
  const e = st.evidence[0];
  const title = st.verdict === "not_covered" ? "Đoạn gần nhất (không đủ làm căn cứ)" : "Căn cứ";
  const head = App.el(
    "div", { class: "head" },
    App.el("span", { class: "n", text: title }),
    App.docLink(e.key, e.doc_id),
    App.el("span", { class: "crumb", text: e.breadcrumb || "" }),
    App.el("span", { class: "verified", text: e.verified ? "✓ đã kiểm chứng" : "✗ chưa kiểm chứng" }),
  );
  const card = App.el("div", { class: "source" }, head);
  card.append(e.context ? App.highlighted(e.context) : App.el("blockquote", { text: `“${e.quote}”` }));
  return card;
}

function statementCard(st) {
  const card = App.el("div", { class: `statement v-${st.verdict}`, id: `st-${st.n}`, "data-verdict": st.verdict });
  card.append(
    App.el(
      "div", { class: "head" },
      App.el("span", { class: "n", text: `[${st.n}]` }),
      App.el("span", { class: `verdict v-${st.verdict}`, text: LABELS[st.verdict] || st.verdict }),
      App.el("span", { class: "crumb", text: placeOf(st) }),
      st.method === "model" ? App.el("span", { class: "muted", text: "(mô hình kết luận)" }) : null,
    ),
    App.el("p", { class: "text", text: st.text }),
  );
  for (const d of st.differences) {
    const text = d.stated
      ? `Khác nhau (${d.kind_label}): dự thảo “${d.stated}”, văn bản “${d.directive}”`
      : `Khác nhau (${d.kind_label}) so với căn cứ`;
    card.append(App.el("p", { class: "diff", text }));
  }
  if (st.rewrite) card.append(App.el("p", { class: "fix", text: `Đề xuất sửa: ${st.rewrite}` }));
  for (const f of st.flags) card.append(App.el("p", { class: "flag", text: `⚠ ${f}` }));
  if (st.note) card.append(App.el("p", { class: "muted", text: st.note }));
  if (st.evidence.length) card.append(evidenceCard(st));
  return card;
}

function applyFilter() {
  for (const card of document.querySelectorAll("#statements .statement")) {
    card.classList.toggle("hidden", showOnly !== null && card.dataset.verdict !== showOnly);
  }
  for (const badge of document.querySelectorAll("#summary .count")) {
    badge.classList.toggle("active", badge.dataset.verdict === showOnly);
  }
}

function renderReport(report) {
  showOnly = null;
  $("report-title").textContent = `Kết quả: ${report.draft}`;
  const against = report.against.length ? report.against.join(", ") : "toàn bộ kho tài liệu";
  const summary = $("summary");
  summary.replaceChildren(App.el("span", { class: "muted", text: `${report.summary.statements} câu, đối chiếu với ${against}.` }));
  for (const v of VERDICTS) {
    const badge = App.el("button", {
      type: "button", class: `count v-${v}`, "data-verdict": v, title: "Bấm để chỉ xem các câu này",
      text: `${LABELS[v]}: ${report.summary[v]}`,
      onclick: () => { showOnly = showOnly === v ? null : v; applyFilter(); App.revealMarks($("statements")); },
    });
    summary.append(badge);
  }
  if (report.summary.flagged) {
    summary.append(App.el("span", { class: "flag", text: `⚠ ${report.summary.flagged} câu dựa vào văn bản đã bị thay thế hoặc sửa đổi` }));
  }
  $("notes").replaceChildren(...report.notes.map((n) => App.el("li", { text: n })));
  const list = $("statements");
  list.replaceChildren(...report.statements.map(statementCard));
  if (!report.statements.length) list.append(App.el("p", { class: "muted", text: "Không có câu nào." }));
  App.revealMarks(list);
}

function minutes(seconds) {
  return seconds < 90 ? `${Math.max(1, Math.round(seconds))} giây` : `${Math.round(seconds / 60)} phút`;
}

function showProgress(step, started) {
  const bar = $("progress");
  bar.classList.remove("hidden");
  bar.max = Math.max(1, step.total);
  bar.value = step.done;
  let text = `Đã kiểm tra ${step.done}/${step.total} câu`;
  if (step.done > 0 && step.done < step.total) {
    const elapsed = (Date.now() - started) / 1000;
    text += `, còn khoảng ${minutes((elapsed / step.done) * (step.total - step.done))}`;
  }
  $("status").textContent = `${text}…`;
}

function request() {
  const against = $("against").value.trim();
  const file = $("draft-file").files[0];
  if (file) {
    const form = new FormData();
    form.append("against", against);
    form.append("stream", "true");
    form.append("file", file);
    return { body: form, label: file.name };
  }
  const text = $("draft-text").value;
  if (!text.trim()) return null;
  const refs = against.split(/[,;\n]/).map((s) => s.trim()).filter(Boolean);
  return { json: { text, name: "du-thao.txt", against: refs, stream: true }, label: "nội dung đã dán" };
}

async function runCheck(req) {
  const started = Date.now();
  $("status").textContent = `Đang đọc ${req.label} và tìm văn bản đối chiếu…`;
  $("progress").classList.add("hidden");
  $("summary").replaceChildren();
  $("notes").replaceChildren();
  $("statements").replaceChildren();
  const res = await App.api("/check", {
    method: "POST", body: req.body, json: req.json, headers: { Accept: "text/event-stream" },
  });
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    throw new Error(App.detail(body, res));
  }
  let finished = false;
  await App.readEvents(res, (event, payload) => {
    if (event === "progress") showProgress(payload, started);
    else if (event === "report") {
      finished = true;
      renderReport(payload);
      $("status").textContent = `Xong sau ${minutes((Date.now() - started) / 1000)}.`;
    } else if (event === "error") throw new Error(payload.detail);
  });
  if (!finished) throw new Error("Kết nối bị ngắt trước khi kiểm tra xong.");
}

App.header().then(() => {
  const file = $("draft-file");
  file.addEventListener("change", () => $("clear-file").classList.toggle("hidden", !file.files.length));
  $("clear-file").addEventListener("click", () => {
    file.value = "";
    $("clear-file").classList.add("hidden");
  });
  if (!App.can("check")) {
    $("check-button").disabled = true;
    $("status").textContent = "Vai trò của bạn không được kiểm tra dự thảo.";
    return;
  }
  $("check-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const req = request();
    if (!req) {
      $("status").textContent = "Hãy dán nội dung dự thảo hoặc chọn tệp.";
      return;
    }
    const button = $("check-button");
    button.disabled = true;
    try {
      await runCheck(req);
    } catch (exc) {
      $("status").textContent = "";
      $("statements").replaceChildren(App.el("p", { class: "error", id: "check-error", text: `Lỗi: ${exc.message}` }));
    } finally {
      button.disabled = false;
      $("progress").classList.add("hidden");
    }
  });
});
