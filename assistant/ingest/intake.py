"""Files handed in by a person (an upload in the app, ``docs add`` on the command line): the checks made before
anything is read, safe file names, and every refusal worded in Vietnamese with what to do.

``ingest.py`` over a folder keeps its English report; this is the wording for the officials who add their own
documents. Nothing here touches the index.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.loaders import SUPPORTED, LoadError

#: What to do, per :class:`~assistant.ingest.loaders.LoadError` code.
MESSAGES = {
    "type": "Không nhận loại tệp {suffix}. Hãy gửi tệp PDF, DOCX, HTML, TXT hoặc MD (tệp .doc cũ: mở bằng Word "
            "và lưu lại dạng .docx).",
    "empty": "Tệp rỗng. Hãy kiểm tra lại tệp gốc rồi gửi lại.",
    "size": "Tệp {size} MB, vượt giới hạn {limit} MB. Hãy tách văn bản thành nhiều tệp nhỏ hơn (hoặc nén ảnh "
            "trong PDF) rồi gửi lại.",
    "binary": "Tệp không phải văn bản (có vẻ là tệp nhị phân). Hãy gửi đúng tệp văn bản.",
    "vni": "Văn bản dùng bảng mã cũ VNI (chữ hiện như “Vieät Nam”). Hãy chuyển sang Unicode (ví dụ bằng công cụ "
           "chuyển mã của UniKey: nguồn VNI Windows, đích Unicode) rồi gửi lại.",
    "encoding": "Tệp văn bản không ở dạng UTF-8 và không đọc được là tiếng Việt Windows-1258. Hãy lưu lại tệp "
                "với mã UTF-8 rồi gửi lại.",
    "broken": "Tệp bị hỏng hoặc không đúng định dạng ({detail}). Hãy mở tệp gốc và lưu lại, hoặc xuất lại "
              "thành PDF rồi gửi.",
    "zip_bomb": "Tệp DOCX khi giải nén lớn bất thường (tệp hỏng hoặc tệp độc hại), nên không được đọc. Hãy mở "
                "bằng Word, lưu thành tệp mới rồi gửi lại.",
    "encrypted": "Tệp PDF được bảo vệ bằng mật khẩu nên không đọc được nội dung. Hãy lưu một bản không đặt "
                 "mật khẩu rồi gửi lại.",
    "no_ocr": "Tệp PDF là bản quét (không có lớp chữ) và máy chủ chưa cài nhận dạng chữ (OCR). Quản trị viên "
              "cần cài: apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils; hoặc gửi bản PDF có chữ.",
    "ocr_failed": "Nhận dạng chữ (OCR) bản quét bị lỗi ({detail}). Hãy thử lại, hoặc gửi bản PDF có chữ.",
    "no_text": "Không tìm thấy chữ đọc được trong tệp (kể cả sau khi nhận dạng chữ bản quét). Hãy kiểm tra "
               "tệp, hoặc quét lại rõ hơn.",
    "unreadable": "Không đọc được tệp ({detail}). Hãy kiểm tra tệp rồi gửi lại.",
}
TOO_MANY = ("Gửi {count} tệp một lần là quá nhiều (tối đa {limit}). Hãy chia thành nhiều lượt, mỗi lượt tối đa "
            "{limit} tệp.")
NO_FILES = "Chưa chọn tệp nào. Hãy chọn một hoặc nhiều tệp PDF, DOCX, HTML, TXT hoặc MD."
DUPLICATE = "Nội dung tệp trùng với văn bản đã có: “{title}” (mã {doc_id}). Không cần thêm lại."
SAME_ID = ("Đã có văn bản mã {doc_id} (“{title}”). Để cập nhật văn bản đó, dùng “Thay thế”; để thêm văn bản "
           "khác, hãy đổi tên tệp.")
SAME_ID_IN_BATCH = "Hai tệp trong lượt này cùng mã {doc_id}. Hãy đổi tên một tệp."
BUSY = ("Đang có một lượt cập nhật kho văn bản khác chạy. Hãy đợi vài phút rồi thử lại (trợ lý vẫn trả lời "
        "bằng kho hiện tại).")
NAME_LIMIT = 120


@dataclass(frozen=True)
class Refusal:
    """A file that was not taken, and why (in Vietnamese, with what to do)."""

    name: str
    message: str


def safe_name(name: str) -> str:
    """A file name safe to store: the last path component only, NFC, without control or odd characters,
    not hidden, at most ``NAME_LIMIT`` characters; ``tai-lieu`` when nothing usable is left."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"[^\w .()\-]+", "_", base).strip(" ._")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem[: NAME_LIMIT - len(suffix) - 1].strip(" ._") or "tai-lieu"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def explain(exc: LoadError, path: Path, limit_mb: int) -> str:
    """The Vietnamese message for a file the loaders refused."""
    detail = str(exc).split(": ", 1)[-1]
    size = f"{path.stat().st_size / 2**20:.0f}" if path.exists() else "?"
    return MESSAGES.get(exc.code, MESSAGES["unreadable"]).format(
        suffix=path.suffix or "(không có đuôi)", size=size, limit=limit_mb, detail=detail[:200])


def precheck(path: Path, name: str, limit_mb: int) -> Refusal | None:
    """The checks that need no reading: the type by the extension of ``name`` (the file's name as the user
    gave it; ``path`` may be a temporary copy) and the size."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        return Refusal(name, MESSAGES["type"].format(suffix=suffix or "(không có đuôi)"))
    size = path.stat().st_size
    if size > limit_mb * 2**20:
        return Refusal(name, MESSAGES["size"].format(size=f"{size / 2**20:.0f}", limit=limit_mb))
    if size == 0:
        return Refusal(name, MESSAGES["empty"])
    return None


def too_many(count: int, limit: int) -> str | None:
    """The refusal of a whole batch: no file, or more than ``limit`` files."""
    if count == 0:
        return NO_FILES
    return TOO_MANY.format(count=count, limit=limit) if count > limit else None
