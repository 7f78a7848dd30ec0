"""Write the project's own demo corpus, `corpora/sample/`.

Every document here is ORIGINAL and FICTIONAL: an invented province ("tỉnh Hòa Lâm"), an
invented provincial Party committee and People's Committee, invented numbers and dates. The
texts imitate the genre of provincial Party/State documents (nghị quyết, kết luận, kế hoạch,
báo cáo, chỉ thị) so that ingestion, citation and draft-check features can be demonstrated
without any real document. Nothing is copied from a real document.

Usage:
    .venv/bin/python scripts/make_sample_corpus.py            # (re)write corpora/sample/
    .venv/bin/python scripts/make_sample_corpus.py --check    # also verify eval quotes

The output is deterministic: fixed timestamps in the .docx and .pdf files, so regenerating
an unchanged corpus gives byte-identical files.

`--check` extracts the text of every generated file (python-docx, pdfminer, a small HTML
text extractor, raw text for .md/.txt), collapses whitespace, and checks that every
`expected_quotes` / `evidence_quotes` entry of `evals/sample_smoke.jsonl` and
`evals/sample_drafts.jsonl` occurs verbatim in a document named by the item.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import sys
import unicodedata
import zipfile
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "corpora" / "sample"
EVAL_FILES = (ROOT / "evals" / "sample_smoke.jsonl", ROOT / "evals" / "sample_drafts.jsonl")

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

FICTION_MARK = "TÀI LIỆU MẪU HƯ CẤU – chỉ dùng để trình diễn"

RESOLUTION_TITLE = (
    "về đẩy mạnh chuyển đổi số, phát triển khoa học, công nghệ và đổi mới sáng tạo "
    "tỉnh Hòa Lâm đến năm 2030, tầm nhìn đến năm 2045"
)

# Canonical file names; manifest.yaml and evals refer to these.
F_RESOLUTION = "nghi-quyet-15-NQ-TU.md"
F_CONCLUSION = "ket-luan-08-KL-TU.docx"
F_PLAN = "ke-hoach-112-KH-UBND.html"
F_REPORT = "du-thao-bao-cao-45-BC-TU.pdf"
F_DIRECTIVE = "chi-thi-05-CT-TU.txt"

# Document number -> file, for --check.
DOC_FILES = {
    "15-NQ/TU": F_RESOLUTION,
    "08-KL/TU": F_CONCLUSION,
    "112/KH-UBND": F_PLAN,
    "45-BC/TU": F_REPORT,
    "05-CT/TU": F_DIRECTIVE,
}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# =============================================================================================
# 1. Nghị quyết số 15-NQ/TU (Markdown)
# =============================================================================================

RESOLUTION_MD = f"""\
{FICTION_MARK}

ĐẢNG CỘNG SẢN VIỆT NAM

TỈNH ỦY HÒA LÂM

Số 15-NQ/TU

Hòa Lâm, ngày 12 tháng 3 năm 2024

# NGHỊ QUYẾT

{RESOLUTION_TITLE}

-----

## I- TÌNH HÌNH VÀ NGUYÊN NHÂN

Thời gian qua, các cấp ủy, chính quyền tỉnh Hòa Lâm đã quan tâm lãnh đạo, chỉ đạo công tác chuyển đổi số \
và ứng dụng khoa học, công nghệ, đạt được một số kết quả bước đầu. Hạ tầng số được đầu tư mở rộng; 87% thôn, \
bản có sóng di động 4G; 62% hộ gia đình sử dụng cáp quang băng rộng. Năm 2023, tỷ trọng kinh tế số trong GRDP \
của tỉnh ước đạt 7,2%; tỷ lệ hồ sơ thủ tục hành chính được giải quyết trực tuyến đạt 31%. Trung tâm giám sát, \
điều hành thông minh của tỉnh bước đầu phát huy hiệu quả.

Tuy nhiên, chuyển đổi số và đổi mới sáng tạo của tỉnh còn chậm so với yêu cầu. Chi cho nghiên cứu khoa học và \
phát triển công nghệ mới đạt khoảng 0,4% GRDP; dữ liệu của các ngành còn phân tán, chưa được kết nối, chia sẻ; \
nguồn nhân lực công nghệ thông tin thiếu về số lượng, hạn chế về chất lượng; nhiều doanh nghiệp nhỏ và vừa \
chưa tiếp cận được các nền tảng số.

Nguyên nhân chủ yếu của hạn chế là: nhận thức của một số cấp ủy, người đứng đầu về vai trò của chuyển đổi số \
chưa đầy đủ; cơ chế, chính sách thu hút đầu tư và nhân lực chất lượng cao chưa đủ sức hấp dẫn; nguồn lực đầu \
tư còn dàn trải; sự phối hợp giữa các sở, ngành và địa phương có lúc chưa chặt chẽ.

## II- QUAN ĐIỂM, MỤC TIÊU

### 1. Quan điểm

- Chuyển đổi số, phát triển khoa học, công nghệ và đổi mới sáng tạo là nhiệm vụ chính trị trọng tâm, là động \
lực chủ yếu để phát triển nhanh và bền vững tỉnh Hòa Lâm; phải được triển khai đồng bộ, toàn diện, có trọng \
tâm, trọng điểm.
- Người dân và doanh nghiệp là trung tâm, là chủ thể của chuyển đổi số; lấy sự hài lòng của người dân, doanh \
nghiệp làm thước đo hiệu quả.
- Dữ liệu là tài nguyên mới; bảo đảm an toàn, an ninh mạng là yêu cầu xuyên suốt, không thể tách rời của quá \
trình chuyển đổi số.
- Người đứng đầu cấp ủy, chính quyền các cấp trực tiếp lãnh đạo, chỉ đạo và chịu trách nhiệm về kết quả \
chuyển đổi số tại cơ quan, địa phương mình.

### 2. Mục tiêu

Mục tiêu tổng quát: Đến năm 2030, tỉnh Hòa Lâm cơ bản hoàn thành chuyển đổi số trong các cơ quan đảng, nhà \
nước; kinh tế số trở thành động lực tăng trưởng quan trọng; khoa học, công nghệ và đổi mới sáng tạo đóng góp \
rõ nét vào tăng năng suất lao động của tỉnh.

a) Đến năm 2030:

- Kinh tế số chiếm 25% GRDP của tỉnh.
- 100% thủ tục hành chính đủ điều kiện được cung cấp dưới hình thức dịch vụ công trực tuyến toàn trình; tỷ lệ \
hồ sơ được giải quyết trực tuyến đạt 80%.
- Tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 1,5% GRDP, trong đó chi từ khu vực doanh \
nghiệp chiếm trên 40%.
- 95% hộ gia đình được phủ cáp quang băng rộng; 100% thôn, bản có sóng di động 4G/5G.
- Tỷ lệ dân số trưởng thành có chữ ký số hoặc chữ ký điện tử cá nhân đạt 60%.
- Có ít nhất 50 doanh nghiệp khởi nghiệp đổi mới sáng tạo; Trung tâm Đổi mới sáng tạo tỉnh Hòa Lâm đi vào \
hoạt động trước năm 2027.
- Nhân lực công nghệ số chiếm 3% tổng số lao động của tỉnh.

b) Tầm nhìn đến năm 2045: Hòa Lâm là tỉnh phát triển khá của khu vực, có chính quyền số, kinh tế số và xã hội \
số phát triển; khoa học, công nghệ và đổi mới sáng tạo trở thành nền tảng chủ yếu cho tăng trưởng.

## III- NHIỆM VỤ, GIẢI PHÁP

1. Nâng cao nhận thức, tăng cường sự lãnh đạo của cấp ủy. Các cấp ủy, tổ chức đảng quán triệt sâu sắc nội \
dung Nghị quyết; đưa chỉ tiêu chuyển đổi số vào chương trình công tác hằng năm; coi kết quả chuyển đổi số là \
một tiêu chí đánh giá, xếp loại tổ chức đảng và người đứng đầu.

2. Phát triển hạ tầng số và dữ liệu. Ưu tiên đầu tư hạ tầng viễn thông băng rộng đến vùng sâu, vùng xa; \
xây dựng Trung tâm dữ liệu dùng chung của tỉnh, hoàn thành trong năm 2026; hoàn thiện các cơ sở dữ liệu \
chuyên ngành về đất đai, dân cư, y tế, giáo dục và bảo đảm kết nối, chia sẻ.

3. Phát triển chính quyền số, nâng cao chất lượng dịch vụ công. Tái cấu trúc quy trình nghiệp vụ, số hóa hồ \
sơ và kết quả giải quyết thủ tục hành chính; thực hiện văn phòng không giấy trong các cơ quan đảng, nhà nước \
từ cấp tỉnh đến cấp xã; triển khai trợ lý ảo hỗ trợ cán bộ, công chức tra cứu văn bản.

4. Phát triển kinh tế số và xã hội số. Hỗ trợ doanh nghiệp nhỏ và vừa, hợp tác xã chuyển đổi số; đưa sản \
phẩm đặc sản của tỉnh lên các sàn thương mại điện tử; nhân rộng mô hình Tổ công nghệ số cộng đồng tại 100% \
thôn, tổ dân phố.

5. Phát triển khoa học, công nghệ và đổi mới sáng tạo. Đổi mới quản lý nhiệm vụ khoa học và công nghệ theo \
hướng đặt hàng, lấy kết quả đầu ra làm thước đo; thành lập Quỹ phát triển khoa học và công nghệ của tỉnh \
trong năm 2025; xây dựng Trung tâm Đổi mới sáng tạo tỉnh Hòa Lâm, kết nối viện, trường và doanh nghiệp.

6. Phát triển nguồn nhân lực và bảo đảm an toàn thông tin. Có chính sách thu hút chuyên gia, nhân lực công \
nghệ số chất lượng cao về làm việc tại tỉnh; đào tạo kỹ năng số cho cán bộ, công chức; 100% hệ thống thông \
tin của cơ quan nhà nước được bảo đảm an toàn theo cấp độ.

7. Bảo đảm nguồn lực. Bố trí tối thiểu 2% tổng chi ngân sách địa phương hằng năm cho chuyển đổi số và khoa \
học, công nghệ; đẩy mạnh hợp tác công - tư, huy động các nguồn lực xã hội.

## IV- TỔ CHỨC THỰC HIỆN

1. Các huyện ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy tổ chức quán triệt, xây dựng chương trình hành động \
thực hiện Nghị quyết, hoàn thành trước ngày 30 tháng 5 năm 2024.

2. Ban cán sự đảng Ủy ban nhân dân tỉnh lãnh đạo xây dựng kế hoạch thực hiện Nghị quyết, hoàn thành trước \
ngày 30 tháng 4 năm 2024. Đảng đoàn Hội đồng nhân dân tỉnh lãnh đạo ban hành cơ chế, chính sách hỗ trợ \
chuyển đổi số, khoa học, công nghệ và đổi mới sáng tạo.

3. Ban Tuyên giáo Tỉnh ủy chủ trì, phối hợp với các cơ quan liên quan tuyên truyền sâu rộng Nghị quyết trong \
cán bộ, đảng viên và nhân dân.

4. Văn phòng Tỉnh ủy chủ trì, phối hợp với các ban đảng Tỉnh ủy theo dõi, đôn đốc, kiểm tra việc thực hiện \
Nghị quyết; định kỳ hằng năm báo cáo Ban Thường vụ Tỉnh ủy; tham mưu sơ kết vào quý II năm 2025 và tổng kết \
vào năm 2030.

Nghị quyết này được phổ biến đến chi bộ.

T/M TỈNH ỦY

BÍ THƯ

(Đã ký)
"""


# =============================================================================================
# 2. Kết luận số 08-KL/TU (.docx). Blocks: (kind, payload)
# =============================================================================================

CONCLUSION_BLOCKS: list[tuple[str, object]] = [
    ("mark", FICTION_MARK),
    ("center_bold", "ĐẢNG CỘNG SẢN VIỆT NAM"),
    ("center_bold", "TỈNH ỦY HÒA LÂM"),
    ("center", "Số 08-KL/TU"),
    ("right", "Hòa Lâm, ngày 20 tháng 6 năm 2025"),
    ("title", "KẾT LUẬN"),
    (
        "subtitle",
        "của Ban Thường vụ Tỉnh ủy về tiếp tục thực hiện Nghị quyết số 15-NQ/TU ngày 12/3/2024 của Tỉnh ủy " + RESOLUTION_TITLE,
    ),
    (
        "p",
        "Tại phiên họp ngày 16 tháng 6 năm 2025, sau khi nghe Ban cán sự đảng Ủy ban nhân dân tỉnh báo cáo kết "
        "quả sơ kết một năm thực hiện Nghị quyết số 15-NQ/TU, Ban Thường vụ Tỉnh ủy kết luận như sau:",
    ),
    ("h1", "1. Kết quả thực hiện"),
    (
        "p",
        "Sau hơn một năm triển khai, Nghị quyết số 15-NQ/TU đã được các cấp ủy, chính quyền quán triệt nghiêm "
        "túc và cụ thể hóa bằng các chương trình, kế hoạch. Tỷ trọng kinh tế số trong GRDP năm 2024 ước đạt "
        "9,1%; tỷ lệ hồ sơ thủ tục hành chính được giải quyết trực tuyến đạt 46%; 93% thôn, bản có sóng di "
        "động 4G. Quỹ phát triển khoa học và công nghệ của tỉnh đã được thành lập vào tháng 3 năm 2025. Mô hình "
        "Tổ công nghệ số cộng đồng được triển khai tại 1.240 thôn, tổ dân phố.",
    ),
    (
        "p",
        "Bên cạnh đó, một số nhiệm vụ còn chậm: dự án Trung tâm dữ liệu dùng chung của tỉnh mới hoàn thành "
        "thiết kế kỹ thuật; chi cho nghiên cứu và phát triển mới đạt 0,6% GRDP; tỷ lệ dân số trưởng thành có "
        "chữ ký số còn thấp; việc chia sẻ dữ liệu giữa các sở, ngành chưa thông suốt.",
    ),
    ("h1", "2. Điều chỉnh một số chỉ tiêu"),
    (
        "p",
        "Ban Thường vụ Tỉnh ủy thống nhất giữ nguyên các mục tiêu của Nghị quyết số 15-NQ/TU, đồng thời nâng một "
        "số chỉ tiêu đến năm 2030 như sau: tỷ lệ hồ sơ giải quyết trực tuyến đạt 85% (Nghị quyết đề ra 80%); "
        "tỷ lệ dân số trưởng thành có chữ ký số đạt 70% (Nghị quyết đề ra 60%); có ít nhất 60 doanh nghiệp "
        "khởi nghiệp đổi mới sáng tạo (Nghị quyết đề ra 50). Chỉ tiêu theo từng mốc thời gian:",
    ),
    (
        "table",
        [
            ["Chỉ tiêu", "Năm 2025", "Năm 2030"],
            ["Tỷ trọng kinh tế số trong GRDP", "12%", "25%"],
            ["Tỷ lệ hồ sơ thủ tục hành chính giải quyết trực tuyến", "55%", "85%"],
            ["Chi cho nghiên cứu và phát triển so với GRDP", "0,8%", "1,5%"],
            ["Tỷ lệ dân số trưởng thành có chữ ký số", "35%", "70%"],
            ["Số doanh nghiệp khởi nghiệp đổi mới sáng tạo", "20", "60"],
        ],
    ),
    ("h1", "3. Nhiệm vụ, giải pháp trọng tâm thời gian tới"),
    (
        "p",
        "a) Đẩy nhanh tiến độ xây dựng Trung tâm dữ liệu dùng chung của tỉnh, bảo đảm hoàn thành trong năm 2026 "
        "theo đúng Nghị quyết; ban hành danh mục dữ liệu dùng chung và quy chế chia sẻ dữ liệu trong quý IV "
        "năm 2025.",
    ),
    (
        "p",
        "b) Khẩn trương hoàn thiện hồ sơ, khởi công Trung tâm Đổi mới sáng tạo tỉnh Hòa Lâm trong quý IV năm "
        "2025, bảo đảm đi vào hoạt động trước năm 2027.",
    ),
    (
        "p",
        "c) Triển khai thí điểm trợ lý ảo tra cứu văn bản của Đảng và Nhà nước tại Văn phòng Tỉnh ủy và Văn "
        "phòng Ủy ban nhân dân tỉnh từ quý III năm 2025.",
    ),
    (
        "p",
        "d) Thực hiện nghiêm Chỉ thị số 05-CT/TU ngày 9/9/2024 của Ban Thường vụ Tỉnh ủy về an toàn thông tin "
        "mạng; tăng cường phổ cập chữ ký số cho người dân thông qua các Tổ công nghệ số cộng đồng.",
    ),
    ("h1", "4. Tổ chức thực hiện"),
    (
        "p",
        "Ban cán sự đảng Ủy ban nhân dân tỉnh chỉ đạo cập nhật Kế hoạch số 112/KH-UBND theo các chỉ tiêu điều "
        "chỉnh tại Kết luận này, hoàn thành trước ngày 31 tháng 8 năm 2025. Văn phòng Tỉnh ủy theo dõi, đôn "
        "đốc, định kỳ 6 tháng báo cáo Ban Thường vụ Tỉnh ủy.",
    ),
    ("right_bold", "T/M BAN THƯỜNG VỤ"),
    ("right_bold", "PHÓ BÍ THƯ THƯỜNG TRỰC"),
    ("right", "(Đã ký)"),
]


# =============================================================================================
# 3. Kế hoạch số 112/KH-UBND (.html)
# =============================================================================================

PLAN_TASKS = [
    # (task, lead agency, partners, deadline)
    (
        "Xây dựng Trung tâm dữ liệu dùng chung của tỉnh",
        "Sở Thông tin và Truyền thông",
        "Sở Kế hoạch và Đầu tư; Sở Tài chính",
        "Quý IV/2026",
    ),
    (
        "Cung cấp 100% thủ tục hành chính đủ điều kiện dưới hình thức dịch vụ công trực tuyến toàn trình",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "Các sở, ban, ngành; Ủy ban nhân dân cấp huyện",
        "Năm 2025",
    ),
    (
        "Triển khai trợ lý ảo hỗ trợ cán bộ, công chức tra cứu văn bản",
        "Sở Thông tin và Truyền thông",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "Quý IV/2025",
    ),
    (
        "Trình Hội đồng nhân dân tỉnh thành lập Quỹ phát triển khoa học và công nghệ của tỉnh",
        "Sở Khoa học và Công nghệ",
        "Sở Tài chính; Sở Tư pháp",
        "Quý I/2025",
    ),
    (
        "Lập dự án Trung tâm Đổi mới sáng tạo tỉnh Hòa Lâm",
        "Sở Khoa học và Công nghệ",
        "Sở Kế hoạch và Đầu tư; các trường đại học, cao đẳng",
        "Quý II/2025; đi vào hoạt động trước năm 2027",
    ),
    (
        "Phủ sóng di động 4G/5G đến 100% thôn, bản",
        "Sở Thông tin và Truyền thông",
        "Các doanh nghiệp viễn thông",
        "Năm 2028",
    ),
    (
        "Phân loại, xác định cấp độ an toàn hệ thống thông tin của các cơ quan nhà nước",
        "Sở Thông tin và Truyền thông",
        "Công an tỉnh",
        "Quý II/2025",
    ),
    (
        "Đào tạo kỹ năng số cho cán bộ, công chức, viên chức",
        "Sở Nội vụ",
        "Sở Thông tin và Truyền thông",
        "Hằng năm",
    ),
    (
        "Hỗ trợ doanh nghiệp nhỏ và vừa, hợp tác xã chuyển đổi số và tham gia sàn thương mại điện tử",
        "Sở Công Thương",
        "Hiệp hội Doanh nghiệp tỉnh",
        "2024 - 2030",
    ),
]


def plan_html() -> str:
    rows = "\n".join(
        "      <tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in (str(i), *task)) + "</tr>"
        for i, task in enumerate(PLAN_TASKS, start=1)
    )
    return f"""\
<!DOCTYPE html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <title>Kế hoạch số 112/KH-UBND – tỉnh Hòa Lâm (tài liệu mẫu hư cấu)</title>
  <style>
    body {{ font-family: "Times New Roman", serif; max-width: 48em; margin: 2em auto; line-height: 1.5; }}
    .mark {{ color: #a00; font-weight: bold; text-align: center; }}
    .header {{ text-align: center; }}
    table {{ border-collapse: collapse; width: 100%; }}
    th, td {{ border: 1px solid #444; padding: 0.3em; vertical-align: top; }}
  </style>
</head>
<body>
  <p class="mark">{FICTION_MARK}</p>
  <div class="header">
    <p><b>ỦY BAN NHÂN DÂN TỈNH HÒA LÂM</b></p>
    <p>Số: 112/KH-UBND</p>
    <p><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b></p>
    <p><b>Độc lập - Tự do - Hạnh phúc</b></p>
    <p><i>Hòa Lâm, ngày 25 tháng 4 năm 2024</i></p>
  </div>
  <h1>KẾ HOẠCH</h1>
  <p><b>Thực hiện Nghị quyết số 15-NQ/TU ngày 12/3/2024 của Tỉnh ủy {RESOLUTION_TITLE}</b></p>

  <h2>I. MỤC ĐÍCH, YÊU CẦU</h2>
  <p>1. Cụ thể hóa các quan điểm, mục tiêu, nhiệm vụ và giải pháp của Nghị quyết số 15-NQ/TU thành các nhiệm vụ
  cụ thể, có lộ trình, thời hạn hoàn thành và phân công rõ cơ quan chủ trì, cơ quan phối hợp.</p>
  <p>2. Xác định chuyển đổi số, khoa học, công nghệ và đổi mới sáng tạo là nhiệm vụ thường xuyên của các sở,
  ban, ngành và Ủy ban nhân dân các huyện, thành phố; người đứng đầu chịu trách nhiệm trước Ủy ban nhân dân tỉnh
  về kết quả thực hiện.</p>

  <h2>II. CHỈ TIÊU CHỦ YẾU ĐẾN NĂM 2030</h2>
  <p>Thực hiện đầy đủ các chỉ tiêu của Nghị quyết số 15-NQ/TU, trong đó: kinh tế số chiếm 25% GRDP của tỉnh;
  tỷ lệ hồ sơ được giải quyết trực tuyến đạt 80%; tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt
  1,5% GRDP; 100% thôn, bản có sóng di động 4G/5G.</p>

  <h2>III. NHIỆM VỤ CỤ THỂ</h2>
  <table>
    <thead>
      <tr><th>TT</th><th>Nhiệm vụ</th><th>Cơ quan chủ trì</th><th>Cơ quan phối hợp</th><th>Thời hạn hoàn thành</th></tr>
    </thead>
    <tbody>
{rows}
    </tbody>
  </table>

  <h2>IV. KINH PHÍ THỰC HIỆN</h2>
  <p>Kinh phí thực hiện Kế hoạch được bố trí từ ngân sách tỉnh theo phân cấp, bảo đảm tối thiểu 2% tổng chi
  ngân sách địa phương hằng năm theo Nghị quyết số 15-NQ/TU, kết hợp huy động nguồn vốn của doanh nghiệp và
  các nguồn hợp pháp khác. Sở Tài chính chủ trì thẩm định, tham mưu bố trí kinh phí trong dự toán hằng năm.</p>

  <h2>V. TỔ CHỨC THỰC HIỆN</h2>
  <p>1. Các sở, ban, ngành và Ủy ban nhân dân các huyện, thành phố căn cứ nhiệm vụ được giao xây dựng kế hoạch
  chi tiết, hoàn thành trước ngày 30 tháng 6 năm 2024.</p>
  <p>2. Sở Thông tin và Truyền thông là cơ quan thường trực, theo dõi, đôn đốc, tổng hợp kết quả thực hiện,
  báo cáo Ủy ban nhân dân tỉnh trước ngày 15 tháng 12 hằng năm.</p>
  <p>3. Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan, đơn vị kịp thời báo cáo Ủy ban nhân
  dân tỉnh (qua Sở Thông tin và Truyền thông) để xem xét, điều chỉnh.</p>

  <p><b>TM. ỦY BAN NHÂN DÂN</b><br><b>CHỦ TỊCH</b><br>(Đã ký)</p>
</body>
</html>
"""


# =============================================================================================
# 4. Dự thảo Báo cáo số 45-BC/TU (.pdf). Contains two statements that CONTRADICT 15-NQ/TU:
#    the digital-economy target (30% instead of 25%) and the data-centre deadline (2028 instead
#    of 2026). Used by draft-check demos; see evals/sample_drafts.jsonl.
# =============================================================================================

REPORT_BLOCKS: list[tuple[str, object]] = [
    ("mark", FICTION_MARK),
    ("right_bold", "DỰ THẢO"),
    ("center_bold", "ĐẢNG CỘNG SẢN VIỆT NAM"),
    ("center_bold", "TỈNH ỦY HÒA LÂM"),
    ("center", "Số 45-BC/TU"),
    ("right", "Hòa Lâm, ngày 28 tháng 4 năm 2025"),
    ("title", "BÁO CÁO"),
    (
        "subtitle",
        "sơ kết một năm thực hiện Nghị quyết số 15-NQ/TU ngày 12/3/2024 của Tỉnh ủy " + RESOLUTION_TITLE,
    ),
    ("h1", "I- CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO"),
    (
        "p",
        "Ngay sau khi Nghị quyết được ban hành, 100% huyện ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy đã tổ chức "
        "quán triệt và ban hành chương trình hành động. Ủy ban nhân dân tỉnh ban hành Kế hoạch số 112/KH-UBND "
        "ngày 25/4/2024 thực hiện Nghị quyết; Ban Thường vụ Tỉnh ủy ban hành Chỉ thị số 05-CT/TU ngày 9/9/2024 "
        "về tăng cường sự lãnh đạo của Đảng đối với công tác bảo đảm an toàn thông tin mạng.",
    ),
    ("h1", "II- KẾT QUẢ THỰC HIỆN CÁC MỤC TIÊU"),
    (
        "p",
        "1. Về kinh tế số: Nghị quyết số 15-NQ/TU đặt mục tiêu đến năm 2030 kinh tế số chiếm 30% GRDP của tỉnh. "
        "Năm 2024, tỷ trọng kinh tế số trong GRDP ước đạt 9,1%, tăng 1,9 điểm phần trăm so với năm 2023.",
    ),
    (
        "p",
        "2. Về chính quyền số: tỷ lệ hồ sơ thủ tục hành chính được giải quyết trực tuyến đạt 46%, phấn đấu đạt "
        "mục tiêu 80% vào năm 2030 theo Nghị quyết. Văn phòng không giấy được triển khai tại 100% cơ quan cấp "
        "tỉnh và 70% Ủy ban nhân dân cấp xã.",
    ),
    (
        "p",
        "3. Về hạ tầng và dữ liệu: 93% thôn, bản có sóng di động 4G; 71% hộ gia đình sử dụng cáp quang băng rộng. "
        "Theo Nghị quyết, Trung tâm dữ liệu dùng chung của tỉnh phải hoàn thành trong năm 2028; đến nay dự án "
        "đã hoàn thành thiết kế kỹ thuật.",
    ),
    (
        "p",
        "4. Về khoa học, công nghệ và đổi mới sáng tạo: chi cho nghiên cứu và phát triển đạt khoảng 0,6% GRDP "
        "(mục tiêu năm 2030 là 1,5%). Quỹ phát triển khoa học và công nghệ của tỉnh được thành lập tháng 3 năm "
        "2025. Toàn tỉnh có 14 doanh nghiệp khởi nghiệp đổi mới sáng tạo; dự án Trung tâm Đổi mới sáng tạo tỉnh "
        "Hòa Lâm đang được hoàn thiện hồ sơ để khởi công, bảo đảm đi vào hoạt động trước năm 2027.",
    ),
    (
        "p",
        "5. Về xã hội số: 21% dân số trưởng thành có chữ ký số hoặc chữ ký điện tử cá nhân; Tổ công nghệ số "
        "cộng đồng được thành lập tại 1.180 thôn, tổ dân phố.",
    ),
    ("h1", "III- HẠN CHẾ, NGUYÊN NHÂN"),
    (
        "p",
        "Tiến độ một số dự án hạ tầng số còn chậm; dữ liệu chuyên ngành chưa được chuẩn hóa, chia sẻ; tỷ lệ "
        "người dân sử dụng dịch vụ công trực tuyến ở vùng sâu, vùng xa còn thấp; nguồn nhân lực công nghệ số "
        "vẫn thiếu. Nguyên nhân chủ yếu là một số cơ quan, địa phương chưa quyết liệt; nguồn lực đầu tư hạn "
        "chế; cơ chế thu hút nhân lực chất lượng cao chậm được ban hành.",
    ),
    ("h1", "IV- NHIỆM VỤ, GIẢI PHÁP THỜI GIAN TỚI"),
    (
        "p",
        "1. Tập trung hoàn thành các chỉ tiêu năm 2025; ưu tiên nguồn lực cho Trung tâm dữ liệu dùng chung và "
        "Trung tâm Đổi mới sáng tạo của tỉnh.",
    ),
    (
        "p",
        "2. Đẩy mạnh phổ cập chữ ký số, kỹ năng số cho người dân thông qua các Tổ công nghệ số cộng đồng.",
    ),
    (
        "p",
        "3. Đề nghị Ban Thường vụ Tỉnh ủy xem xét nâng một số chỉ tiêu đến năm 2030 phù hợp với kết quả đạt "
        "được và ban hành kết luận về tiếp tục thực hiện Nghị quyết.",
    ),
    ("right_bold", "T/M BAN THƯỜNG VỤ"),
]


# =============================================================================================
# 5. Chỉ thị số 05-CT/TU (.txt)
# =============================================================================================

DIRECTIVE_TXT = f"""\
{FICTION_MARK}

ĐẢNG CỘNG SẢN VIỆT NAM
TỈNH ỦY HÒA LÂM
Số 05-CT/TU
Hòa Lâm, ngày 9 tháng 9 năm 2024

CHỈ THỊ
của Ban Thường vụ Tỉnh ủy về tăng cường sự lãnh đạo của Đảng đối với công tác bảo đảm an toàn thông tin \
mạng trong chuyển đổi số

Thực hiện Nghị quyết số 15-NQ/TU ngày 12/3/2024 của Tỉnh ủy, công tác chuyển đổi số của tỉnh đã có chuyển \
biến tích cực. Tuy nhiên, thời gian qua trên địa bàn tỉnh đã xảy ra một số sự cố tấn công mạng, lộ lọt dữ \
liệu cá nhân và lừa đảo trực tuyến; nhiều hệ thống thông tin của cơ quan nhà nước chưa được xác định cấp độ \
an toàn; nhận thức của một bộ phận cán bộ, công chức về an toàn thông tin còn hạn chế.

Để bảo đảm an toàn thông tin mạng trong quá trình chuyển đổi số, Ban Thường vụ Tỉnh ủy yêu cầu các cấp ủy, \
tổ chức đảng, chính quyền, Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội thực hiện tốt các nhiệm vụ sau:

1. Xác định bảo đảm an toàn thông tin mạng là nhiệm vụ thường xuyên, không thể tách rời của chuyển đổi số. \
Người đứng đầu cơ quan, đơn vị trực tiếp chịu trách nhiệm nếu để xảy ra mất an toàn thông tin tại cơ quan, \
đơn vị mình.

2. Các cơ quan, đơn vị hoàn thành phân loại, xác định cấp độ và phê duyệt phương án bảo đảm an toàn cho 100% \
hệ thống thông tin trước ngày 30 tháng 6 năm 2025.

3. Tuyệt đối không soạn thảo, lưu trữ, trao đổi thông tin, tài liệu có nội dung bí mật nhà nước trên máy \
tính, thiết bị có kết nối Internet; tài liệu thuộc danh mục nội bộ chỉ được chia sẻ trên mạng nội bộ của \
cơ quan.

4. Mỗi sở, ngành và huyện, thành phố tổ chức diễn tập ứng cứu sự cố an toàn thông tin mạng ít nhất một lần \
mỗi năm; Sở Thông tin và Truyền thông chủ trì, phối hợp với Công an tỉnh tổ chức diễn tập cấp tỉnh.

5. Đẩy mạnh tuyên truyền, hướng dẫn người dân kỹ năng nhận diện, phòng tránh lừa đảo trực tuyến và bảo vệ \
dữ liệu cá nhân, trong đó phát huy vai trò của các Tổ công nghệ số cộng đồng.

6. Rà soát, loại bỏ các thiết bị, phần mềm không rõ nguồn gốc trong hệ thống thông tin của cơ quan nhà nước; \
ưu tiên sử dụng sản phẩm, dịch vụ an toàn thông tin đã được đánh giá, kiểm định; 100% văn bản điện tử trao \
đổi giữa các cơ quan đảng, nhà nước được ký số.

7. Tổ chức thực hiện: Ban cán sự đảng Ủy ban nhân dân tỉnh lãnh đạo cụ thể hóa Chỉ thị thành kế hoạch, \
hoàn thành trong tháng 10 năm 2024. Ban Tuyên giáo Tỉnh ủy chủ trì tuyên truyền, phổ biến Chỉ thị. Văn \
phòng Tỉnh ủy theo dõi, đôn đốc việc thực hiện, định kỳ hằng năm báo cáo Ban Thường vụ Tỉnh ủy.

Chỉ thị này được phổ biến đến chi bộ.

T/M BAN THƯỜNG VỤ
BÍ THƯ
(Đã ký)
"""


# =============================================================================================
# Manifest
# =============================================================================================

MANIFEST = [
    # (file, doc_id, title, doc_type, issuer_name, issued, access_level)
    (
        F_RESOLUTION,
        "15-NQ/TU",
        "Nghị quyết " + RESOLUTION_TITLE,
        "NQ",
        "Tỉnh ủy Hòa Lâm",
        "2024-03-12",
        "công khai",
    ),
    (
        F_CONCLUSION,
        "08-KL/TU",
        "Kết luận về tiếp tục thực hiện Nghị quyết số 15-NQ/TU ngày 12/3/2024 của Tỉnh ủy",
        "KL",
        "Ban Thường vụ Tỉnh ủy Hòa Lâm",
        "2025-06-20",
        "công khai",
    ),
    (
        F_PLAN,
        "112/KH-UBND",
        "Kế hoạch thực hiện Nghị quyết số 15-NQ/TU ngày 12/3/2024 của Tỉnh ủy",
        "KH",
        "Ủy ban nhân dân tỉnh Hòa Lâm",
        "2024-04-25",
        "công khai",
    ),
    (
        F_REPORT,
        "45-BC/TU",
        "Dự thảo Báo cáo sơ kết một năm thực hiện Nghị quyết số 15-NQ/TU ngày 12/3/2024 của Tỉnh ủy",
        "BC",
        "Tỉnh ủy Hòa Lâm",
        "2025-04-28",
        "nội bộ",
    ),
    (
        F_DIRECTIVE,
        "05-CT/TU",
        "Chỉ thị về tăng cường sự lãnh đạo của Đảng đối với công tác bảo đảm an toàn thông tin mạng trong chuyển đổi số",
        "CT",
        "Ban Thường vụ Tỉnh ủy Hòa Lâm",
        "2024-09-09",
        "công khai",
    ),
]


def manifest_yaml() -> str:
    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar

    lines = [
        "# Metadata for corpora/sample/ (fictional demo corpus). Generated by scripts/make_sample_corpus.py.",
        "# Number, type, issuer, date and title are parsed from each document's header; the manifest adds",
        "# what a header cannot say. access_level: one of công khai, nội bộ, mật, tối mật.",
        "documents:",
    ]
    for fname, _doc_id, _title, _doc_type, _issuer, _issued, access in MANIFEST:
        lines += [f"  {q(fname)}:", f"    access_level: {q(access)}"]
    return "\n".join(lines) + "\n"


# =============================================================================================
# Writers
# =============================================================================================

FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0, tzinfo=dt.UTC)


def write_text(path: Path, text: str) -> None:
    path.write_text(nfc(text), encoding="utf-8", newline="\n")


def write_docx(path: Path, blocks: list[tuple[str, object]]) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    for kind, payload in blocks:
        if kind == "table":
            rows = [[nfc(c) for c in r] for r in cast("list[list[str]]", payload)]
            table = doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for i, row in enumerate(rows):
                for j, cell_text in enumerate(row):
                    cell = table.cell(i, j)
                    cell.text = cell_text
                    if i == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
            continue
        text = nfc(str(payload))
        if kind == "title":
            p = doc.add_heading(text, level=0)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "h1":
            doc.add_heading(text, level=1)
        else:
            p = doc.add_paragraph()
            run = p.add_run(text)
            if kind in ("center", "center_bold", "subtitle", "mark"):
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif kind in ("right", "right_bold"):
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            else:
                p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            if kind in ("center_bold", "right_bold", "subtitle", "mark"):
                run.bold = True
            if kind == "mark":
                run.font.color.rgb = RGBColor(0xAA, 0x00, 0x00)
    props = doc.core_properties
    props.author = "make_sample_corpus.py"
    props.title = "Kết luận số 08-KL/TU (tài liệu mẫu hư cấu)"
    props.created = FIXED_TIME.replace(tzinfo=None)
    props.modified = FIXED_TIME.replace(tzinfo=None)
    props.last_modified_by = "make_sample_corpus.py"
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    # Rewrite the zip with fixed member timestamps so the file is reproducible.
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, zin.read(info.filename))
    path.write_bytes(out.getvalue())


def write_pdf(path: Path, blocks: list[tuple[str, object]]) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_TIME)
    pdf.set_title("Dự thảo Báo cáo số 45-BC/TU (tài liệu mẫu hư cấu)")
    pdf.set_author("make_sample_corpus.py")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("DejaVu", "", str(FONT_REGULAR))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.add_page()

    def para(text: str, *, style: str = "", size: float = 11, align: str = "L", gap: float = 2.0) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, size * 0.5, nfc(text), align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    for kind, payload in blocks:
        text = str(payload)
        if kind == "mark":
            pdf.set_text_color(170, 0, 0)
            para(text, style="B", size=10, align="C")
            pdf.set_text_color(0, 0, 0)
        elif kind == "center_bold":
            para(text, style="B", align="C", gap=0.5)
        elif kind == "center":
            para(text, align="C", gap=0.5)
        elif kind == "right":
            para(text, align="R")
        elif kind == "right_bold":
            para(text, style="B", align="R", gap=0.5)
        elif kind == "title":
            pdf.ln(3)
            para(text, style="B", size=14, align="C", gap=1)
        elif kind == "subtitle":
            para(text, style="B", align="C", gap=4)
        elif kind == "h1":
            pdf.ln(1)
            para(text, style="B", size=12)
        elif kind == "p":
            para(text)
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    path.write_bytes(bytes(pdf.output()))


def generate(out_dir: Path = OUT_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    def target(name: str) -> Path:
        p = out_dir / name
        written.append(p)
        return p

    write_text(target(F_RESOLUTION), RESOLUTION_MD)
    write_docx(target(F_CONCLUSION), CONCLUSION_BLOCKS)
    write_text(target(F_PLAN), plan_html())
    write_pdf(target(F_REPORT), REPORT_BLOCKS)
    write_text(target(F_DIRECTIVE), DIRECTIVE_TXT)
    write_text(target("manifest.yaml"), manifest_yaml())
    return written


# =============================================================================================
# --check: every eval quote must occur verbatim in the extracted text of its document
# =============================================================================================


class _HTMLText(HTMLParser):
    _SKIP = frozenset({"style", "script", "title", "head"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in ("p", "div", "br", "tr", "td", "th", "h1", "h2", "h3", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def extract_units(path: Path) -> list[str]:
    """Text units (paragraphs / table cells / lines of a block) of one file."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        from docx import Document

        doc = Document(str(path))
        units = [p.text for p in doc.paragraphs]
        for table in doc.tables:
            for row in table.rows:
                units += [cell.text for cell in row.cells]
        return units
    if suffix == ".pdf":
        from pdfminer.high_level import extract_text

        return [extract_text(str(path))]
    if suffix in (".html", ".htm"):
        parser = _HTMLText()
        parser.feed(path.read_text(encoding="utf-8"))
        return ["".join(parser.parts)]
    return [path.read_text(encoding="utf-8")]


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", nfc(text)).strip()


def check_quotes(out_dir: Path = OUT_DIR) -> list[str]:
    """Return a list of problems (empty when every quote is found)."""
    texts = {doc: [collapse(u) for u in extract_units(out_dir / f)] for doc, f in DOC_FILES.items()}
    problems: list[str] = []
    n_checked = 0
    for eval_file in EVAL_FILES:
        if not eval_file.exists():
            problems.append(f"{eval_file}: missing")
            continue
        for lineno, line in enumerate(eval_file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            item = json.loads(line)
            docs = item.get("expected_docs", item.get("against", []))
            quotes = item.get("expected_quotes", []) + item.get("evidence_quotes", [])
            for doc in docs:
                if doc not in texts:
                    problems.append(f"{eval_file.name}:{lineno} {item['id']}: unknown document {doc!r}")
            for quote in quotes:
                n_checked += 1
                key = collapse(quote)
                if key != nfc(quote):
                    problems.append(f"{eval_file.name}:{lineno} {item['id']}: quote not NFC/trimmed: {quote!r}")
                if not any(key in unit for doc in docs if doc in texts for unit in texts[doc]):
                    problems.append(f"{eval_file.name}:{lineno} {item['id']}: quote not found: {quote!r}")
    print(f"checked {n_checked} quotes, {len(problems)} problem(s)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: corpora/sample)")
    parser.add_argument("--check", action="store_true", help="verify eval quotes against the generated files")
    args = parser.parse_args(argv)
    for p in generate(args.out):
        print(f"wrote {p.relative_to(ROOT) if p.is_relative_to(ROOT) else p} ({p.stat().st_size:,} bytes)")
    if args.check:
        problems = check_quotes(args.out)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
