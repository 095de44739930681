"""Comparing sources on a topic: which passages address it (relevance), the claims they make
(claims, claim_match, claim_check), the words each source uses that the others do not (terms),
how sources are grouped (groups), the `compare` use case that puts these together (compare),
and its JSON, terminal and Markdown forms (render)."""
