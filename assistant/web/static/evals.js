// Evaluation runs: start one (a server-side set or an uploaded items file), follow it, read its report.
"use strict";

const $ = (id) => document.getElementById(id);
const STATUS = { queued: "đang chờ", running: "đang chạy", done: "xong", failed: "lỗi" };
let polling = null;

async function loadSets() {
  for (const name of await App.json("/eval/sets")) $("eval-set").append(App.el("option", { value: name, text: name }));
}

async function loadRuns() {
  const runs = await App.json("/eval/runs");
  const body = $("runs").querySelector("tbody");
  body.replaceChildren(...runs.map((r) => App.el(
    "tr", { class: "clickable", "data-run": r.id, onclick: () => showRun(r.id) },
    App.el("td", { text: r.id }), App.el("td", { text: App.date(r.created) }), App.el("td", { text: r.set_name }),
    App.el("td", { text: r.owner }),
    App.el("td", { text: STATUS[r.status] || r.status }), App.el("td", { text: `${r.done}/${r.total}` }),
    App.el("td", { text: String(r.withheld) }),
  )));
}

async function showRun(id) {
  clearTimeout(polling);
  $("run-detail").classList.remove("hidden");
  $("run-title").textContent = `Lượt đánh giá ${id}`;
  let run;
  try {
    run = await App.json(`/eval/runs/${encodeURIComponent(id)}`);
  } catch (exc) {
    $("run-status").textContent = `Không đọc được lượt ${id}: ${exc.message}`;
    return;
  }
  const withheld = run.withheld ? `; ${run.withheld} câu nêu văn bản ngoài phạm vi bạn được xem (chưa nạp hoặc vượt độ mật) đã được giữ lại` : "";
  $("run-status").textContent = `${STATUS[run.status] || run.status}: ${run.done}/${run.total} câu${withheld}.${run.error ? ` Lỗi: ${run.error}` : ""}`;
  const frame = $("run-report");
  if (run.status === "done") {
    frame.src = `/eval/runs/${encodeURIComponent(id)}/report`;
    frame.classList.remove("hidden");
    await loadRuns().catch(() => null); // the list is refreshed when it can be; the run itself is shown
  } else {
    frame.classList.add("hidden");
    if (run.status !== "failed") polling = setTimeout(() => showRun(id), 1000);
  }
}

App.header().then(async () => {
  if (!App.can("eval")) {
    // like the draft-check page: no link in the header, and the page itself says why nothing works here
    for (const control of $("eval-form").querySelectorAll("input, select, button")) control.disabled = true;
    $("eval-message").textContent = "Vai trò của bạn không được chạy đánh giá.";
    $("runs").querySelector("tbody").replaceChildren(
      App.el("tr", {}, App.el("td", { colspan: "7", class: "muted", text: "Vai trò của bạn không được xem các lượt đánh giá." })));
    return;
  }
  try {
    await Promise.all([loadSets(), loadRuns()]);
  } catch (exc) {
    $("eval-message").className = "error";
    $("eval-message").textContent = `Không tải được danh sách đánh giá: ${exc.message}`;
  }
  $("eval-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = $("eval-message");
    message.className = "muted";
    const file = $("eval-file").files[0];
    const limit = $("eval-limit").value;
    let options;
    if (file) {
      const form = new FormData();
      form.append("retrieval_only", $("eval-retrieval").checked ? "true" : "false");
      if (limit) form.append("limit", limit);
      form.append("file", file);
      options = { method: "POST", body: form };
    } else if ($("eval-set").value) {
      options = { method: "POST", json: { set: $("eval-set").value, retrieval_only: $("eval-retrieval").checked, limit: limit ? Number(limit) : null } };
    } else {
      message.textContent = "Chọn một bộ câu hỏi hoặc tải tệp .jsonl lên.";
      return;
    }
    try {
      const run = await App.json("/eval/runs", options);
      message.textContent = `Đã bắt đầu lượt ${run.id}.`;
      await loadRuns();
      await showRun(run.id);
    } catch (exc) {
      message.className = "error";
      message.textContent = `Không chạy được: ${exc.message}`;
    }
  });
});
