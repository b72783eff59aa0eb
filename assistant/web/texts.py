"""The chat's Vietnamese wording: the page title, example questions, and every message the chat or its
API shows instead of an answer.

Kept in one place so the wording can be reviewed and changed without reading the UI code. Text that
comes with its own markup (answer cards, the welcome box, the "Về dữ liệu" page) lives in the Jinja2
templates under ``templates/``; short labels stay next to the component they name.
"""

from __future__ import annotations

TITLE = "Trợ lý CCHC"
SUBTITLE = ("Hỏi đáp về kế hoạch cải cách hành chính của các tỉnh. Mỗi câu trả lời trích nguyên văn "
            "từ văn bản, kèm nguồn để đối chiếu.")

#: (short label, question) shown as clickable examples in the empty chat.
EXAMPLES: list[tuple[str, str]] = [
    ("Ai phụ trách?", "Ai chủ trì cải cách tài chính công ở Lạng Sơn?"),
    ("Chỉ tiêu 2025", "Đến năm 2025, Tuyên Quang đặt mục tiêu mức hài lòng của người dân, tổ chức với sự phục vụ "
                      "của cơ quan hành chính nhà nước đạt bao nhiêu?"),
    ("So sánh các tỉnh", "So sánh mục tiêu Chỉ số cải cách hành chính đến năm 2025 của Lạng Sơn và Tuyên Quang."),
    ("Câu hỏi của người dân", "Cho em hỏi ở Bình Thuận nếu trễ hẹn giải quyết hồ sơ thì cơ quan có phải xin lỗi "
                              "dân không ạ?"),
]

FOOTER = ("Trợ lý chỉ trích dẫn các văn bản trong kho dữ liệu (xem thẻ “Về dữ liệu”) và nói rõ khi văn bản "
          "không nêu. Thông tin mang tính tham khảo; hãy đối chiếu với văn bản gốc trước khi sử dụng. "
          "Bấm nút thích / không thích dưới mỗi câu trả lời để góp ý.")

#: Gradio's login form has no Vietnamese translation; this message explains its fields.
AUTH_MESSAGE = ("Trợ lý CCHC – đăng nhập bằng tài khoản được cấp: nhập tên đăng nhập vào ô “username”, "
                "mật khẩu vào ô “password”, rồi bấm “Login”.")

QUESTION_PLACEHOLDER = "Nhập câu hỏi của bạn…"
LLM_SWITCH_INFO = ("Mô hình ngôn ngữ viết lại câu trả lời; mọi con số, ngày, cơ quan được kiểm chứng với văn bản "
                   "nguồn.")

# -- instead of an answer ---------------------------------------------------------------------------

EMPTY_QUESTION = "Câu hỏi đang trống. Hãy nhập một câu hỏi về kế hoạch cải cách hành chính."
#: ``length`` and ``limit`` come formatted with "." as the thousands separator (``ChatService.check``).
QUESTION_TOO_LONG = ("Câu hỏi dài {length} ký tự, vượt giới hạn {limit} ký tự. "
                     "Hãy rút gọn câu hỏi, chỉ giữ phần cần hỏi.")
ANSWER_FAILED = ("Xin lỗi, hệ thống gặp lỗi nội bộ nên chưa trả lời được câu hỏi này. Vui lòng thử lại sau ít "
                 "phút; nếu lỗi lặp lại, hãy báo cho quản trị viên kèm mã lỗi {ref}.")
CHAT_FAILED = ("Xin lỗi, hệ thống gặp lỗi nội bộ. Vui lòng thử lại sau; nếu lỗi lặp lại, hãy báo cho quản trị viên "
               "kèm mã lỗi {ref}.")

# -- feedback ---------------------------------------------------------------------------------------

FEEDBACK_THANKS = "Cảm ơn bạn đã góp ý! Ý kiến đã được ghi nhận."
FEEDBACK_NOT_SAVED = "Chưa lưu được góp ý do lỗi hệ thống. Xin thử lại sau."
API_FEEDBACK_SAVED = "Đã ghi nhận góp ý."
API_FEEDBACK_NOT_SAVED = "Chưa lưu được góp ý do lỗi hệ thống."
API_UNKNOWN_ANSWER = "Không tìm thấy câu trả lời này (answer_id không đúng hoặc đã quá cũ)."
