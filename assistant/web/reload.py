"""Follow index switches while serving: when an ingest publishes a new generation, the app loads it in
the background and answers from it, without a restart and without a gap; the old generation's reader
lock is released a little later, so the next ingest can delete it."""

from __future__ import annotations

import logging
import threading
from typing import Any

from assistant.core.settings import Settings

log = logging.getLogger(__name__)

#: One switch at a time (the poller and the documents tab may both notice a new index).
_SWITCHING = threading.Lock()
#: Seconds the previous index stays locked after a switch, for the questions still being answered on it.
RELEASE_AFTER = 60.0


class IndexWatcher:
    """Polls the store's pointer every ``interval`` seconds and switches ``service`` to a new index."""

    def __init__(self, service: Any, settings: Settings, interval: float, *, release_after: float = RELEASE_AFTER):
        self.service = service
        self.settings = settings
        self.interval = interval
        self.release_after = release_after
        self._stop = threading.Event()

    def check_once(self) -> bool:
        """Load and switch to a newly published index; True if the service now uses a new one."""
        with _SWITCHING:
            return self._check()

    def _check(self) -> bool:
        from assistant.index.store import current_generation
        from assistant.qa.pipeline import Pipeline, replace_pipeline

        serving = getattr(self.service.pipeline, "store", None)
        if serving is None:  # a stand-in pipeline without an index store
            return False
        try:
            published = current_generation(self.settings.store, self.settings.chroma_url or None,
                                           self.settings.collection)
        except Exception as exc:  # a server briefly unreachable: keep serving what is loaded
            log.warning("cannot check for a new index: %s", exc)
            return False
        if published is None or published == serving.generation:
            return False
        log.info("a new index was published (generation %s): loading it", published)
        try:
            pipeline = Pipeline(self.settings)
        except Exception:
            log.exception("could not load the new index; still answering from generation %s", serving.generation)
            return False
        previous = self.service.pipeline
        self.service.use(pipeline)
        replace_pipeline(previous, pipeline)
        log.info("now answering from generation %s (%d documents, %d chunks)", pipeline.store.generation,
                 len(pipeline.documents()), len(pipeline.index.chunks))
        if self.release_after > 0:
            timer = threading.Timer(self.release_after, serving.close)
            timer.daemon = True
            timer.start()
        else:
            serving.close()
        return True

    def start(self) -> threading.Thread:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                self.check_once()

        thread = threading.Thread(target=loop, name="index-watcher", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
