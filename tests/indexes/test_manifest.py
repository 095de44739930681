"""The manifest's fingerprint: what decides whether an index may be read or extended."""

from pathlib import Path

from indexes import Manifest


def _manifest(model: str = "model-a", **settings: object) -> Manifest:
    return Manifest(model=model, dimension=384, settings={"window_max_tokens": 256, **settings})


def test_an_index_matches_the_settings_it_was_built_with() -> None:
    manifest = _manifest()
    assert manifest.expected({"window_max_tokens": 256}) == manifest.fingerprint


def test_other_settings_or_another_model_give_another_fingerprint() -> None:
    manifest = _manifest()
    assert manifest.expected({"window_max_tokens": 128}) != manifest.fingerprint
    assert manifest.expected({"window_max_tokens": 256}, "model-b") != manifest.fingerprint
    assert manifest.expected({"window_max_tokens": 256}, "model-b") == \
        _manifest("model-b").fingerprint


def test_the_fingerprint_ignores_dimension_counts_and_key_order(tmp_path: Path) -> None:
    manifest = Manifest(model="m", dimension=384, settings={"a": 1, "b": [1, 2]},
                        counts={"passages": 3})
    other = Manifest(model="m", dimension=0, settings={"b": [1, 2], "a": 1})
    assert manifest.fingerprint == other.fingerprint
    path = tmp_path / "manifest.json"
    path.write_text(manifest.to_json(), encoding="utf-8")
    assert Manifest.read(path) == manifest
