"""`parallax eval`: retrieval metrics on a BEIR-layout dataset or a question file.
Registered on the main app by parallax.cli."""

from __future__ import annotations
