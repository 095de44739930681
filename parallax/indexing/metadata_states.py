"""The metadata.csv state recorded per folder in the manifest, as a plan goes."""

from __future__ import annotations

from pathlib import Path

from parallax.indexing.discovery import Source, under_any


class MetadataStates:
    """Manifest.metadata_states as a plan goes: the state of the metadata.csv files above
    each folder whose documents all had their metadata read (or found unchanged) in it."""

    def __init__(self, recorded: dict[str, str], sources: list[Source]) -> None:
        self.recorded = recorded
        self._states = dict(recorded)
        self._seen: set[str] = set()
        self._doubtful: set[str] = set()
        self._walked = {root: root.is_dir() for root in {source.root for source in sources}}

    def saw(self, root: Path, folder: str, state: str) -> bool:
        """Note the state of the metadata.csv files above `folder`, whose files under `root`
        come next; True when it is the state recorded, i.e. none of them changed."""
        # A walked folder's documents are all seen by the plan, so their metadata is now
        # that of `state`; a file named on its own says nothing of the rest of its folder.
        if self._walked[root]:
            self._states[folder] = state
            self._seen.add(folder)
        return self.recorded.get(folder) == state

    def doubt(self, folder: str) -> None:
        """A document of `folder` kept the metadata it had (its file could not be read)."""
        self._doubtful.add(folder)

    def after(self) -> dict[str, str]:
        # A folder a walk found no file in any more holds no document after the plan.
        walked = [root for root, is_folder in self._walked.items() if is_folder]
        gone = {folder for folder in self.recorded.keys() - self._seen
                if under_any(Path(folder), walked)}
        dropped = self._doubtful | gone
        return {folder: state for folder, state in self._states.items()
                if folder not in dropped}
