"""The runs `index` refuses, and what to run instead: another model or other settings than
the index's, a missing folder in a rebuild, nothing to index, no folder to refresh."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from corpus.discover import index_root
from corpus.types import SkippedFile
from embed import model_identity
from indexes import IndexReader, exists
from indexes.reader import indexed_roots
from indexes.storage.recovery import index_command, rebuild_command, rebuild_hint
from parallax.errors import NothingToIndex, SettingsMismatch
from parallax.indexing.run import model_option
from parallax.settings import IndexSettings


def indexed_folders(index_dir: Path) -> list[Path]:
    """The folders (and single files) an existing index was built from, to refresh it
    without naming them; read without a format check, so that --rebuild works on an index
    written by another version."""
    roots = indexed_roots(index_dir) if exists(index_dir) else []
    if not roots:
        raise NothingToIndex(f"the index at {index_dir} holds no folder yet, and none was given",
                             "Name the folders to index: "
                             + index_command(index_dir, "index", "FOLDER"))
    return [Path(root) for root in roots]


def model_for(old: IndexReader | None, model: str | None, settings: IndexSettings,
              index_dir: Path, paths: Sequence[Path]) -> str:
    """The model identity to embed with: the index's, refused when another is asked for
    or the index was split with other settings."""
    if old is None:
        return model_identity(model)
    built_with = old.manifest.model
    wanted = model_identity(model) if model else built_with
    # Rebuilding only the folders named now would drop the index's other folders.
    folders = sorted({*old.roots(), *(str(index_root(p)) for p in paths)})
    if wanted != built_with:
        raise SettingsMismatch(
            f"the index at {index_dir} was built with model {built_with}, not {wanted}",
            f"To re-embed everything with {wanted}, run: "
            + rebuild_command(index_dir, folders, model_option(wanted)))
    expected = old.manifest.expected(settings.as_dict(), wanted)
    if old.manifest.fingerprint != expected:
        raise SettingsMismatch(
            f"the index at {index_dir} was built with other splitting settings "
            f"(fingerprint {old.manifest.fingerprint}, this version uses {expected})",
            rebuild_hint(index_dir, folders, model_option(wanted)))
    return wanted


def refuse_missing_folders(paths: Sequence[Path], index_dir: Path) -> None:
    """A rebuild replaces the whole index: a folder that is missing (an unmounted drive?)
    would silently lose its documents, so it is refused instead."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise NothingToIndex(
            f"{', '.join(str(p) for p in missing)} is missing; a rebuild would drop its "
            f"documents from the index at {index_dir}, which is left as it was",
            "Mount or restore the folder and run the rebuild again, or name only the folders "
            "to keep: " + index_command(index_dir, "index", "--rebuild", "FOLDER"))


def nothing_to_index(paths: Sequence[Path], skipped: list[SkippedFile], index_dir: Path,
                     kept: bool) -> NothingToIndex:
    """No readable document under `paths`; `kept`: the index there is left as it was."""
    where = ", ".join(str(p) for p in paths)
    left = f"; the index at {index_dir} was left as it was" if kept else ""
    if not skipped:
        return NothingToIndex(f"nothing to index in {where}{left}",
                              "Parallax reads .txt, .md, .html/.htm, .pdf, .docx and .epub "
                              "files; point it at a folder that has some.")
    reasons = [f"  {s.path}: {s.reason}" for s in skipped[:10]]
    more = [f"  … and {len(skipped) - 10} more"] if len(skipped) > 10 else []
    return NothingToIndex(f"nothing to index in {where}{left}", "\n".join(reasons + more))
