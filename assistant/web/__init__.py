"""Web: the Gradio chat and its parts.

``app`` assembles the page and serves it; ``chat_tab``, ``commitments_tab`` and ``api`` are its tabs and
endpoints; ``service`` is the layer they all call; ``auth`` decides who may use it; ``rendering``,
``page``, ``sections`` and ``streaming`` produce what is shown, through ``templating`` (Jinja2,
``templates/``); ``appearance`` holds the CSS, script (``static/``) and theme, ``texts`` the wording;
``feedback`` stores 👍/👎, ``reload`` follows a newly published index without a restart, and ``memory``
trims the heap of a long-running server.
"""
