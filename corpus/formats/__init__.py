"""Formats whose text needs more than decoding: HTML (html, and html_source_map: where each
extracted character came from in the page's source), PDF (pdf), Word (docx) and EPUB (epub).
corpus.reading chooses among them by a file's suffix."""
