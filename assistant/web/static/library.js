// The document library: list (only documents within the user's clearance), upload, and a document view
// with metadata, relations and the full text split into its indexed passages.
"use strict";

const $ = (id) => document.getElementById(id);
const RELATIONS = { implements: "thực hiện", continues: "tiếp tục thực hiện", amends: "sửa đổi", replaces: "thay thế", repeals: "bãi bỏ" };

async function loadDocuments() {
  const docs = await App.json("/documents");
  const body = $("documents").querySelector("tbody");
  body.replaceChildren();
  for (const d of docs) {
    const row = App.el(
      "tr", { class: "clickable", "data-key": d.key, onclick: () => showDocument(d.key) },
      App.el("td", { text: d.doc_id }), App.el("td", { text: d.type || "" }), App.el("td", { text: App.date(d.issued) }),
      App.el("td", { text: d.issuer_name || d.issuer || "" }), App.el("td", { text: d.title || d.source_name }),
      App.el("td", {}, App.levelBadge(d.access_level)), App.el("td", { text: String(d.passages) }),
    );
    body.append(row);
  }
  $("doc-count").textContent = `${docs.length} văn bản.`;
}

function meta(label, value) {
  return [App.el("dt", { text: label }), App.el("dd", { text: value || "—" })];
}

let shown = null;

async function showDocument(key) {
  const panel = $("detail");
  shown = key;
  window.location.hash = `doc=${encodeURIComponent(key)}`;
  let doc;
  try {
    doc = await App.json(`/documents/${key.split("/").map(encodeURIComponent).join("/")}`);
  } catch (exc) {
    panel.replaceChildren(App.el("p", { class: "error", id: "detail-error", text: `Không mở được văn bản ${key}: ${exc.message}` }));
    return;
  }
  const dl = App.el("dl", { class: "meta" },
    meta("Số hiệu", doc.doc_id), meta("Loại", doc.type), meta("Cơ quan ban hành", doc.issuer_name || doc.issuer),
    meta("Ngày ban hành", App.date(doc.issued)), meta("Trích yếu", doc.title), meta("Độ mật", doc.access_level),
    meta("Thuộc văn bản", doc.parent), meta("Tệp", doc.source_name), meta("Số đoạn", String(doc.passages)));
  const rels = App.el("ul", {});
  for (const r of doc.relations.outgoing) {
    const target = r.indexed ? App.el("a", { href: "#", onclick: (e) => { e.preventDefault(); showDocument(r.doc_id); }, text: r.doc_id })
      : App.el("span", { text: `${r.doc_id} (chưa nạp)` });
    rels.append(App.el("li", {}, `Văn bản này ${RELATIONS[r.relation] || r.relation} `, target));
  }
  for (const r of doc.relations.incoming) {
    const source = App.el("a", { href: "#", onclick: (e) => { e.preventDefault(); showDocument(r.key); }, text: r.doc_id });
    rels.append(App.el("li", {}, source, ` ${RELATIONS[r.relation] || r.relation} văn bản này`));
  }
  if (!rels.children.length) rels.append(App.el("li", { class: "muted", text: "Không có quan hệ nào được ghi nhận." }));
  const chunks = doc.chunks.map((c) => App.el("div", { class: "chunk", id: `chunk-${c.ordinal}` },
    App.el("div", { class: "crumb", text: `#${c.ordinal} · ${c.breadcrumb || "(đầu văn bản)"} · ký tự ${c.start}–${c.end}` }),
    App.el("div", { class: "text", text: App.plain(doc.text.slice(c.start, c.end), c.start === 0 || doc.text[c.start - 1] === "\n") })));
  const parts = [App.el("h2", { id: "detail-title", text: doc.title || doc.doc_id }), dl, App.el("h3", { text: "Quan hệ" }), rels];
  if (App.can("delete")) {
    parts.push(App.el("p", {}, App.el("button", { class: "secondary", id: "delete-button", onclick: () => deleteDocument(doc) }, "Xoá khỏi kho")));
  }
  parts.push(App.el("h3", { text: "Toàn văn theo đoạn" }), ...chunks);
  panel.replaceChildren(...parts);
}

async function deleteDocument(doc) {
  if (!window.confirm(`Xoá ${doc.doc_id} khỏi kho tài liệu?`)) return;
  try {
    await App.json(`/documents/${doc.key.split("/").map(encodeURIComponent).join("/")}`, { method: "DELETE" });
  } catch (exc) {
    $("detail").prepend(App.el("p", { class: "error", id: "delete-error", text: `Không xoá được ${doc.doc_id}: ${exc.message}` }));
    return;
  }
  $("detail").replaceChildren(App.el("p", { class: "muted", text: `Đã xoá ${doc.doc_id}.` }));
  await loadDocuments();
}

function setupUpload(me) {
  if (!App.can("upload")) return;
  $("upload-panel").classList.remove("hidden");
  const select = $("upload-level");
  for (const level of me.upload_levels) select.append(App.el("option", { value: level, text: level }));
  select.value = me.upload_levels.includes("nội bộ") ? "nội bộ" : me.upload_levels[0];
  $("upload-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("upload-file").files[0];
    if (!file) return;
    const form = new FormData();
    form.append("access_level", select.value);
    form.append("file", file);
    const result = $("upload-result");
    result.className = "muted";
    result.textContent = `Đang nạp ${file.name}…`;
    $("upload-button").disabled = true;
    try {
      const r = await App.json("/documents", { method: "POST", body: form });
      const labels = { added: "đã nạp", replaced: "đã thay thế", unchanged: "không đổi", duplicate: "trùng, không nạp lại" };
      result.textContent = `${r.file}: ${labels[r.status] || r.status}${r.doc_id ? ` — ${r.doc_id}` : ""} (${r.access_level}). ${r.message || ""}`;
      await loadDocuments();
      if (r.key) await showDocument(r.key);
    } catch (exc) {
      result.className = "error";
      result.textContent = `Không nạp được: ${exc.message}`;
    } finally {
      $("upload-button").disabled = false;
    }
  });
}

function keyInHash() {
  const m = window.location.hash.match(/^#doc=(.+)$/);
  return m ? decodeURIComponent(m[1]) : null;
}

App.header().then(async (me) => {
  setupUpload(me);
  try {
    await loadDocuments();
  } catch (exc) {
    $("doc-count").className = "error";
    $("doc-count").textContent = `Không tải được danh sách văn bản: ${exc.message}`;
  }
  if (keyInHash()) await showDocument(keyInHash());
  window.addEventListener("hashchange", () => {
    const key = keyInHash();
    if (key && key !== shown) showDocument(key);
  });
});
