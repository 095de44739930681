"""A session embeds questions on demand, or ahead of time in one batch for evaluations."""

from pathlib import Path

import numpy as np

from parallax.indexing import build_index
from parallax.session import Session


def _session(tmp_path: Path, encoder) -> Session:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Pandas are envoys of friendship.\n", encoding="utf-8")
    build_index([docs], tmp_path / "index", encoder_loader=lambda name: encoder)
    encoder.encoded.clear()
    return Session(tmp_path / "index", encoder_loader=lambda name: encoder)


def test_questions_embedded_ahead_are_not_embedded_again(tmp_path: Path,
                                                         fake_encoder) -> None:  # noqa: ANN001
    with _session(tmp_path, fake_encoder) as session:
        counted: list[int] = []
        assert session.encode_ahead(["pandas", "envoys", "pandas"], counted.append) == 2
        assert fake_encoder.encoded == ["pandas", "envoys"] and sum(counted) == 2
        session.encode(["envoys", "pandas"])
        assert fake_encoder.encoded == ["pandas", "envoys"]
        assert session.encode_ahead(["pandas"]) == 0


def test_vectors_embedded_ahead_equal_those_embedded_on_demand(tmp_path: Path,
                                                               fake_encoder) -> None:  # noqa: ANN001
    with _session(tmp_path, fake_encoder) as session:
        direct = session.encode(["pandas", "bees"])
        session.encode_ahead(["pandas"])
        mixed = session.encode(["bees", "pandas"])  # one held, one embedded now
        assert fake_encoder.encoded[-1] == "bees"
        np.testing.assert_array_equal(mixed, direct[::-1])


def test_a_remembering_block_embeds_each_text_once_then_forgets(tmp_path: Path,
                                                                fake_encoder) -> None:  # noqa: ANN001
    """`compare` embeds its topic's and claims' words in one call, then sentences that its
    key points and its claims may both ask for: within the block none is embedded twice;
    after it the session holds nothing more than before (a server's session lives long)."""
    with _session(tmp_path, fake_encoder) as session:
        session.encode_ahead(["held"])
        with session.remembering(["pandas", "envoys", "pandas"]):
            assert fake_encoder.encoded == ["held", "pandas", "envoys"]  # one call, once each
            first = session.encode(["bees", "pandas", "bees"])
            again = session.encode(["envoys", "bees", "held"])
            assert fake_encoder.encoded[3:] == ["bees"]
            np.testing.assert_array_equal(again[1], first[0])
            with session.remembering(["wasps"]):  # nested: the outer block forgets
                session.encode(["wasps"])
            session.encode(["wasps"])
            assert fake_encoder.encoded[3:] == ["bees", "wasps"]
        session.encode(["held"])
        assert fake_encoder.encoded[3:] == ["bees", "wasps"]  # held before: kept
        session.encode(["pandas", "bees"])
        assert fake_encoder.encoded[-2:] == ["pandas", "bees"]  # the block's: forgotten
