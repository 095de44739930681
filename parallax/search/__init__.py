"""Answering from an index: `ask` (retrieve, rank, highlight), `related` (passages close in
meaning to a passage or a text), `sources` and `show` (browse), and the plain result objects
they return (results). Rendering lives in parallax.render; front ends call parallax.service."""
