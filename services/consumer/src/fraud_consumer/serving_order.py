"""The order of the serving models a remote consumer is answered with, across scorer replicas.

Each replica follows the registry on its own, so for a moment after a promotion one answers with
the new champion and another with the old. Every answer names the registry's latest event id as
of its models (``registry_event``): a consumer takes up other models only from an answer newer
than the one it switched on, and refuses an older replica's answer (retried, it reaches one
that has caught up), so its partitions change version once per registry change."""

from __future__ import annotations

Versions = tuple[str, str | None]  # (champion, challenger)


class ServingOrder:
    def __init__(self) -> None:
        self.versions: Versions | None = None
        self.generation = -1

    def accepts(self, versions: Versions, generation: int | None) -> bool:
        """Whether an answer made with ``versions`` as of ``generation`` may be used now (None:
        a scorer serving MODEL_DIR, which has no registry to be ordered by)."""
        if generation is None or versions == self.versions or self.versions is None:
            self.versions = versions
            self.generation = max(self.generation, -1 if generation is None else generation)
            return True
        if generation > self.generation:
            self.versions, self.generation = versions, generation
            return True
        return False
