"""How the chat page looks: its stylesheet, its ``<head>`` script and its Gradio theme.

The CSS and JavaScript live as plain files in ``static/`` (package data, so they are found in an editable
and a normal install alike), where editors and linters can read them; they are read once, when this
module is imported, and handed to ``gr.Blocks.launch`` by :func:`assistant.web.app.serve`.
"""

from __future__ import annotations

from importlib.resources import files

import gradio as gr

_STATIC = files("assistant.web") / "static"


def _read(name: str) -> str:
    return (_STATIC / name).read_text(encoding="utf-8")


#: The chat's styles (Gradio's ``css``).
CSS: str = _read("app.css")
#: Extra ``<head>`` content: the phone margin and the scrolling script (Gradio's ``head``).
HEAD: str = f"\n<style>\n{_read('head.css')}</style>\n<script>\n{_read('app.js')}</script>\n"


def theme() -> gr.themes.Base:
    """Gradio's default theme in blue, with system fonts.

    System fonts cover Vietnamese on every platform, load nothing, and avoid Gradio's bundled Source Sans
    Pro SemiBold, which draws "A" and "B" as small capitals ("PᴀR INDEX", "UʙND")."""
    system = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "Helvetica Neue", "Arial", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Consolas", "Liberation Mono", "monospace"]
    return gr.themes.Default(primary_hue="blue", secondary_hue="sky", neutral_hue="slate", font=system, font_mono=mono)
