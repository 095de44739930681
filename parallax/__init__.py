"""Parallax: semantic search over a folder of documents, and what each source says.

The application layer: use cases (index, ask, related, compare, eval, check) over the
corpus, embed and indexes libraries, and the interfaces that convert their plain results
(the `parallax` command line)."""
