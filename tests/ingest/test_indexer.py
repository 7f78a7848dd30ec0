"""Ingestion end to end: real loaders, real Chroma (embedded, in tmp_path), real BM25; a hash embedder.

Covers the sample corpus, idempotent re-runs, changed files, exact and near duplicates, bad
inputs (also through the CLI), consistency after kill -9, and an index/embedder mismatch.
"""

from __future__ import annotations

import os
import random
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.ingest.chunk import chunk_document
from assistant.ingest.indexer import IndexMismatch, embed_input
from assistant.pipeline import Pipeline
from assistant.search.keyword import KeywordIndex
from assistant.settings import Settings
from assistant.types import FileReport, Filters
from tests.fakes import HashEmbedder

REPO = Path(__file__).resolve().parents[2]
NQ15 = "nghi-quyet-15-NQ-TU.md"
SAMPLE = {
    "nghi-quyet-15-NQ-TU.md": ("15-NQ/TU", "công khai"),
    "ket-luan-08-KL-TU.docx": ("08-KL/TU", "công khai"),
    "ke-hoach-112-KH-UBND.html": ("112/KH-UBND", "công khai"),
    "du-thao-bao-cao-45-BC-TU.pdf": ("45-BC/TU", "nội bộ"),
    "chi-thi-05-CT-TU.txt": ("05-CT/TU", "công khai"),
}


def _pipe(root: Path, embedder: HashEmbedder | None = None, *, max_file_mb: float = 50.0) -> Pipeline:
    s = Settings(index_dir=root / "idx", model_dir=root / "models", answer_mode="extractive", max_file_mb=max_file_mb)
    return Pipeline(s, embedder=embedder or HashEmbedder())


@pytest.fixture
def pipes(tmp_path: Path) -> Iterator[list[Pipeline]]:
    """Pipelines made by a test, closed after it."""
    made: list[Pipeline] = []
    yield made
    for p in made:
        p.close()


def _catalog_ids(p: Pipeline) -> list[str]:
    return sorted(cid for cid, _, _, _ in p.catalog.all_chunks())


def _assert_consistent(p: Pipeline) -> None:
    """Catalog, Chroma and the keyword index agree, and nothing is left pending."""
    assert p.catalog.documents(status="pending") == []
    catalog_ids = _catalog_ids(p)
    store_ids = p.store.all_ids()
    assert len(store_ids) == len(set(store_ids))
    assert sorted(store_ids) == catalog_ids, "Chroma holds vectors the catalog does not know, or lacks some"
    assert p.store.count() == len(catalog_ids)
    for rec in p.catalog.documents():
        assert sorted(p.store.ids_for_doc(rec.meta.key)) == sorted(c.chunk_id for c in p.catalog.doc_chunks(rec.meta.key))
    assert p.keyword.generation == p.catalog.generation
    on_disk = KeywordIndex(p.settings.index_dir / "keyword")
    assert on_disk.load() and on_disk.generation == p.catalog.generation


def _by_name(reports: list[FileReport]) -> dict[str, FileReport]:
    out = {r.path.name: r for r in reports}
    assert len(out) == len(reports), "a file was reported twice"
    return out


# --- the sample corpus -------------------------------------------------------------------------------------


def test_ingest_sample_corpus(tmp_path: Path, sample_dir: Path, pipes: list[Pipeline]) -> None:
    p = _pipe(tmp_path)
    pipes.append(p)
    reports = _by_name(p.ingest([sample_dir]))
    assert set(reports) == set(SAMPLE)  # manifest.yaml is metadata, not a document
    for name, (doc_id, _) in SAMPLE.items():
        r = reports[name]
        assert (r.status, r.doc_id) == ("added", doc_id), r
        assert r.chunks > 0
    docs = {rec.meta.doc_id: rec.meta for rec in p.catalog.documents()}
    assert set(docs) == {doc_id for doc_id, _ in SAMPLE.values()}
    for name, (doc_id, access) in SAMPLE.items():
        meta = docs[doc_id]
        assert meta.access_level == access, doc_id
        assert meta.source_name == name
        assert meta.title and meta.issued is not None
        assert len(p.catalog.doc_chunks(meta.key)) == reports[name].chunks
    assert docs["45-BC/TU"].access_level == "nội bộ"
    assert sum(r.chunks for r in reports.values()) == p.store.count()
    _assert_consistent(p)


def test_reingest_is_idempotent(tmp_path: Path, sample_dir: Path, pipes: list[Pipeline]) -> None:
    embedder = HashEmbedder()
    p = _pipe(tmp_path, embedder)
    pipes.append(p)
    p.ingest([sample_dir])
    calls, count, ids, gen = embedder.calls, p.store.count(), _catalog_ids(p), p.catalog.generation
    assert calls == count > 0

    again = p.ingest([sample_dir])
    assert [r.status for r in again] == ["unchanged"] * 5
    assert {r.doc_id for r in again} == {doc_id for doc_id, _ in SAMPLE.values()}
    assert embedder.calls == calls, "unchanged files must not be embedded again"
    assert p.store.count() == count and _catalog_ids(p) == ids
    assert p.catalog.generation == gen

    # A new process (new pipeline, same index) sees the same and does not embed either.
    embedder2 = HashEmbedder()
    p2 = _pipe(tmp_path, embedder2)
    pipes.append(p2)
    assert [r.status for r in p2.ingest([sample_dir])] == ["unchanged"] * 5
    assert embedder2.calls == 0
    _assert_consistent(p2)


def test_changed_file_replaces_its_chunks(tmp_path: Path, sample_dir: Path, pipes: list[Pipeline]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    src = corpus / NQ15
    shutil.copy(sample_dir / NQ15, src)
    (corpus / "other.md").write_text("# Ghi chú\n\nTỉnh Hòa Lâm phát triển du lịch cộng đồng gắn với bảo tồn.\n", "utf-8")
    p = _pipe(tmp_path)
    pipes.append(p)
    first = _by_name(p.ingest([corpus]))
    assert first[NQ15].status == "added"
    key = p.catalog.keys_for_doc_id(first[NQ15].doc_id or "")[0]
    old_ids = {c.chunk_id for c in p.catalog.doc_chunks(key)}

    old_text = src.read_text("utf-8")
    gone = "Trung tâm giám sát, điều hành thông minh của tỉnh bước đầu phát huy hiệu quả."
    assert gone in old_text
    cut = old_text.index("## II- QUAN ĐIỂM")
    new_sentence = "Tỉnh Hòa Lâm thí điểm mô hình xã thông minh tại huyện Sơn Khê trong năm 2025."
    new_text = old_text[:cut].replace(gone, new_sentence)
    src.write_text(new_text, "utf-8")

    second = _by_name(p.ingest([corpus]))
    assert second[NQ15].status == "replaced", second[NQ15]
    assert second["other.md"].status == "unchanged"
    expected = chunk_document(new_text, key, target_chars=p.settings.chunk_chars)
    got = p.catalog.doc_chunks(key)
    assert [c.chunk_id for c in got] == [c.chunk_id for c in expected]
    assert [c.text for c in got] == [c.text for c in expected]
    assert second[NQ15].chunks == len(expected) < len(old_ids)
    assert sorted(p.store.ids_for_doc(key)) == sorted(c.chunk_id for c in expected)
    assert not (old_ids - {c.chunk_id for c in expected}) & set(p.store.all_ids()), "stale vectors left in Chroma"
    assert p.catalog.document_text(key) == new_text
    _assert_consistent(p)

    all_text = " ".join(text for _, _, text, _ in p.catalog.all_chunks())
    assert new_sentence in all_text and gone not in all_text
    hits = p.retriever.search("mô hình xã thông minh tại huyện Sơn Khê", k=3).hits
    assert hits and new_sentence in hits[0].chunk.text
    assert all(gone not in h.chunk.text for h in p.retriever.search("Trung tâm giám sát điều hành thông minh", k=20).hits)


def test_manifest_change_reindexes_the_document(tmp_path: Path, sample_dir: Path, pipes: list[Pipeline]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(sample_dir / NQ15, corpus / NQ15)
    manifest = f'documents:\n  "{NQ15}":\n    access_level: "công khai"\n'
    (corpus / "manifest.yaml").write_text(manifest, "utf-8")
    p = _pipe(tmp_path)
    pipes.append(p)
    assert [r.status for r in p.ingest([corpus])] == ["added"]
    (corpus / "manifest.yaml").write_text(manifest.replace("công khai", "mật"), "utf-8")
    assert [r.status for r in p.ingest([corpus])] == ["replaced"]
    [rec] = p.catalog.documents()
    assert rec.meta.access_level == "mật"
    assert {rank for _, _, _, rank in p.catalog.all_chunks()} == {2}
    assert p.retriever.search("kinh tế số GRDP", k=5, filters=Filters(max_access_rank=0)).hits == []
    _assert_consistent(p)


# --- duplicates -----------------------------------------------------------------------------------------------


def test_exact_duplicates_are_not_indexed_twice(tmp_path: Path, sample_dir: Path, pipes: list[Pipeline]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (sample_dir / NQ15).read_text("utf-8")
    (corpus / "a-original.md").write_text(text, "utf-8")
    (corpus / "b-copy.md").write_text(text, "utf-8")
    (corpus / "c-nfd.md").write_text(unicodedata.normalize("NFD", text), "utf-8")
    (corpus / "d-crlf.txt").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert (corpus / "c-nfd.md").read_bytes() != (corpus / "a-original.md").read_bytes()
    p = _pipe(tmp_path)
    pipes.append(p)
    reports = _by_name(p.ingest([corpus]))
    assert reports["a-original.md"].status == "added"
    for name in ("b-copy.md", "c-nfd.md", "d-crlf.txt"):
        r = reports[name]
        assert r.status == "duplicate", r
        assert r.doc_id == "15-NQ/TU"
        assert "a-original.md" in r.message
    assert len(p.catalog.documents()) == 1
    assert p.store.count() == reports["a-original.md"].chunks
    _assert_consistent(p)
    # Running again changes nothing.
    again = _by_name(p.ingest([corpus]))
    assert again["a-original.md"].status == "unchanged"
    assert {again[n].status for n in ("b-copy.md", "c-nfd.md", "d-crlf.txt")} == {"duplicate"}
    assert len(p.catalog.documents()) == 1


def test_near_duplicate_press_version(tmp_path: Path, party_dir: Path, pipes: list[Pipeline]) -> None:
    full = party_dir / "NQ-57-NQ-TW_2024-12-22_full.md"
    press = party_dir / "NQ-57-NQ-TW_2024-12-22_press-version.md"
    assert full.read_bytes() != press.read_bytes()
    p = _pipe(tmp_path)
    pipes.append(p)
    reports = p.ingest([full, press])
    assert [r.status for r in reports] == ["added", "duplicate"], reports
    dup = reports[1]
    assert "near-duplicate" in dup.message and full.name in dup.message
    assert dup.doc_id == "57-NQ/TW"
    assert [rec.source_path for rec in p.catalog.documents()] == [str(full.resolve())]
    _assert_consistent(p)


# --- bad inputs ----------------------------------------------------------------------------------------------

GOOD = "# Nghị quyết mẫu\n\nĐến năm 2030, tỷ lệ hồ sơ trực tuyến của tỉnh Hòa Lâm đạt 80%; kinh tế số chiếm 25% GRDP.\n"
LIMIT_MB = 0.02  # 20 KB


def _encrypted_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu")
    with path.open("wb") as fh:
        writer.write(fh)


def _bad_batch(folder: Path) -> dict[str, str]:
    """Write one good file and several bad ones; return {bad file name: expected reason pattern}."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.md").write_text(GOOD, "utf-8")
    (folder / "empty.md").write_bytes(b"")
    (folder / "latin.txt").write_bytes("Nghị quyết về chuyển đổi số tỉnh Hòa Lâm".encode("cp1258", errors="replace"))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\nxref garbage\n")
    _encrypted_pdf(folder / "locked.pdf")
    (folder / "huge.md").write_text("Nội dung văn bản rất dài về chuyển đổi số. " * 1000, "utf-8")  # ~47 KB
    (folder / "table.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 this is not really a Word file")
    assert (folder / "locked.pdf").stat().st_size < LIMIT_MB * 1e6 < (folder / "huge.md").stat().st_size
    return {
        "empty.md": r"empty",
        "latin.txt": r"UTF-8",
        "broken.pdf": r"unreadable PDF",
        "locked.pdf": r"password",
        "huge.md": r"limit",
        "table.xlsx": r"unsupported file type \.xlsx",
        "broken.docx": r"DOCX",
    }


def test_bad_inputs_fail_alone(tmp_path: Path, pipes: list[Pipeline]) -> None:
    expected = _bad_batch(tmp_path / "in")
    p = _pipe(tmp_path, max_file_mb=LIMIT_MB)
    pipes.append(p)
    reports = _by_name(p.ingest([tmp_path / "in"]))
    assert set(reports) == {*expected, "good.md"}
    assert reports["good.md"].status == "added" and reports["good.md"].chunks >= 1
    for name, reason in expected.items():
        r = reports[name]
        assert r.status == "failed", r
        assert re.search(reason, r.message), f"{name}: {r.message!r}"
        assert "\n" not in r.message and len(r.message) < 200, f"{name}: one short line expected: {r.message!r}"
        assert "Traceback" not in r.message
    assert [rec.meta.source_name for rec in p.catalog.documents()] == ["good.md"]
    _assert_consistent(p)


def test_size_limit_message_states_real_sizes(tmp_path: Path, pipes: list[Pipeline]) -> None:
    """With a limit under 1 MB the message must not read "over the 0 MB limit"."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "huge.md").write_text("Nội dung văn bản rất dài về chuyển đổi số. " * 1000, "utf-8")
    p = _pipe(tmp_path, max_file_mb=LIMIT_MB)
    pipes.append(p)
    [r] = p.ingest([folder])
    assert r.status == "failed"
    assert "limit" in r.message
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", r.message)]
    assert numbers and 0 not in numbers, f"sizes shown as zero: {r.message!r}"
    assert re.search(r"\b(20 KB|20\.0 KB|0\.02 MB|20000 bytes)", r.message), r.message  # the configured limit, readable


# --- the CLI ------------------------------------------------------------------------------------------------


def test_cli_reports_each_bad_file_on_its_own_line(tmp_path: Path, cli_env: Callable[..., dict[str, str]]) -> None:
    from assistant.cli.main import app

    expected = _bad_batch(tmp_path / "in")
    env = cli_env(tmp_path / "cli-idx", ASSISTANT_MAX_FILE_MB=str(LIMIT_MB))
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "in")], env=env)
    out = result.output
    assert result.exit_code == 1, out
    lines = out.splitlines()
    assert any(ln.startswith("added") and "good.md" in ln for ln in lines), out
    used: set[int] = set()
    for name, reason in expected.items():
        found = [i for i, ln in enumerate(lines) if name in ln and ln.startswith("failed") and re.search(reason, ln)]
        assert len(found) == 1, f"{name}: expected one line with its name and reason {reason!r}:\n{out}"
        used.add(found[0])
    assert len(used) == len(expected)
    assert re.search(r"\b1 added\b", out) and re.search(r"\b7 failed\b", out), out


def test_cli_prints_file_names_verbatim(tmp_path: Path, cli_env: Callable[..., dict[str, str]]) -> None:
    """File names are data, not Rich markup: "[dự thảo]" must survive."""
    from assistant.cli.main import app

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bao-cao [du thao].md").write_bytes(b"")
    (folder / "ghi chu [bold].md").write_text(GOOD, "utf-8")
    result = CliRunner().invoke(app, ["ingest", str(folder)], env=cli_env(tmp_path / "cli-idx"))
    assert result.exit_code == 1, result.output
    flat = " ".join(result.output.split())  # line wrapping is another test's business
    assert "bao-cao [du thao].md" in flat, result.output
    assert "ghi chu [bold].md" in flat, result.output


# --- kill -9 -------------------------------------------------------------------------------------------------

CHILD = """
import sys
from pathlib import Path
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from tests.fakes import HashEmbedder
idx, corpus = Path(sys.argv[1]), Path(sys.argv[2])
p = Pipeline(Settings(index_dir=idx, model_dir=idx / "models", answer_mode="extractive"), embedder=HashEmbedder())
p.store, p.keyword
print("ready", flush=True)
p.ingest([corpus], lambda name, done, total: print("file", done, flush=True))
print("done", flush=True)
"""
N_FILES = 40
VOCAB = (
    "chuyển đổi số khoa học công nghệ đổi mới sáng tạo kinh tế hạ tầng dữ liệu nhân lực doanh nghiệp "
    "tỉnh huyện xã chính quyền dịch vụ công trực tuyến an toàn thông tin nền tảng"
)
WORDS = VOCAB.split()


def _small_corpus(folder: Path) -> list[Path]:
    rng = random.Random(57)
    folder.mkdir()
    files = []
    for i in range(N_FILES):
        body = []
        for j in range(2):
            words = " ".join(rng.choice(WORDS) for _ in range(90))
            body.append(f"## Mục {j + 1}\n\n{words}. Mã tệp vb{i:02d}code mục {j}: chỉ tiêu đạt {rng.randint(1, 99)}%.")
        path = folder / f"van-ban-{i:02d}.md"
        path.write_text(f"# Văn bản thử nghiệm {i}\n\n" + "\n\n".join(body) + "\n", "utf-8")
        files.append(path)
    return files


@dataclass
class KillTrial:
    target: int  # kill after the progress callback reports this many files done (N_FILES: keyword refresh)
    delay: float
    reached: str = ""


def _run_and_kill(index: Path, corpus: Path, trial: KillTrial) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(index), str(corpus)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    watch = selectors.DefaultSelector()  # epoll: no limit on the descriptor's number, unlike select()
    watch.register(proc.stdout, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline:
            if not watch.select(1.0):
                continue
            line = proc.stdout.readline().strip()
            if not line:  # the child ended
                break
            trial.reached = line
            if line == f"file {trial.target}":
                time.sleep(trial.delay)
                break
        else:
            pytest.fail(f"ingestion child made no progress: {trial}")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        watch.close()
        proc.stdout.close()
    assert trial.reached.startswith(("file", "done")), f"child failed before ingesting: {trial}"


def test_consistent_after_kill_9(tmp_path: Path, pipes: list[Pipeline]) -> None:
    corpus = tmp_path / "corpus"
    files = _small_corpus(corpus)
    seed = int(os.environ.get("KILL_SEED", "20241222"))
    rng = random.Random(seed)
    targets = [*rng.sample(range(1, N_FILES), 4), N_FILES]  # mid-run points and the final keyword refresh
    trials = [KillTrial(t, rng.uniform(0.0, 0.04)) for t in targets]

    # The children run side by side (each on its own index); the clean reference is built meanwhile.
    with ThreadPoolExecutor(max_workers=len(trials)) as pool:
        killed = [pool.submit(_run_and_kill, tmp_path / f"trial{n}" / "idx", corpus, t) for n, t in enumerate(trials)]
        ref = _pipe(tmp_path / "reference")
        pipes.append(ref)
        assert {r.status for r in ref.ingest([corpus])} == {"added"}
        for future in killed:
            future.result()
    ref_ids = _catalog_ids(ref)
    ref_docs = sorted(rec.source_path for rec in ref.catalog.documents())
    assert len(ref_docs) == N_FILES and len(ref_ids) >= N_FILES

    for n, trial in enumerate(trials):
        where = f"seed {seed}, {trial}"
        p = _pipe(tmp_path / f"trial{n}")
        pipes.append(p)
        # What the killed run left: every document marked complete has all its vectors.
        for rec in p.catalog.documents():
            chunk_ids = {c.chunk_id for c in p.catalog.doc_chunks(rec.meta.key)}
            assert chunk_ids, where
            assert chunk_ids <= set(p.store.ids_for_doc(rec.meta.key)), f"complete document lacks vectors ({where})"

        reports = p.ingest([corpus])
        odd = [r for r in reports if r.status not in ("added", "unchanged")]
        assert odd == [], where
        assert sorted(r.path.name for r in reports) == sorted(f.name for f in files), where
        docs = [rec.source_path for rec in p.catalog.documents()]
        assert sorted(docs) == ref_docs, f"every file exactly once ({where})"
        _assert_consistent(p)
        assert _catalog_ids(p) == ref_ids, where
        assert p.store.count() == ref.store.count(), where
        _assert_searchable(p, where)


def _assert_searchable(p: Pipeline, where: str) -> None:
    """Dense and keyword search work on a repaired index and return only live passages."""
    live = set(_catalog_ids(p))
    kw = p.keyword.search("vb07code", k=5)
    assert kw and {cid.split("#")[0] for cid, _ in kw} == {"file:van-ban-07"}, where
    rec = p.catalog.by_key("file:van-ban-07")
    assert rec is not None, where
    chunk = p.catalog.doc_chunks(rec.meta.key)[-1]
    [vec] = p.embedder.embed_documents([embed_input(rec.meta, chunk)])
    dense = p.store.query(vec, k=3)
    assert dense and dense[0].chunk_id == chunk.chunk_id and dense[0].similarity > 0.99, (where, dense)
    hits = p.retriever.search("chuyển đổi số vb07code", k=20).hits
    assert hits and {h.chunk.chunk_id for h in hits} <= live, where


# --- embedder identity ---------------------------------------------------------------------------------------


def test_index_built_with_another_embedder(tmp_path: Path, pipes: list[Pipeline]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text(GOOD, "utf-8")
    a = _pipe(tmp_path, HashEmbedder(dim=64, name="a"))
    pipes.append(a)
    assert [r.status for r in a.ingest([corpus])] == ["added"]
    assert a.retriever.search("hồ sơ trực tuyến", k=1).hits

    b = _pipe(tmp_path, HashEmbedder(dim=64, name="b"))
    pipes.append(b)
    with pytest.raises(IndexMismatch) as info:
        b.retriever.search("hồ sơ trực tuyến", k=1)
    message = str(info.value)
    assert "'a'" in message and "'b'" in message and "index_dir" in message
    with pytest.raises(IndexMismatch):
        b.ingest([corpus])
    # a different dimension under the same name is a mismatch too
    c = _pipe(tmp_path, HashEmbedder(dim=32, name="a"))
    pipes.append(c)
    with pytest.raises(IndexMismatch, match="dim 64"):
        c.ingest([corpus])
    # nothing was changed by the refused runs
    assert [r.status for r in a.ingest([corpus])] == ["unchanged"]
    _assert_consistent(a)
