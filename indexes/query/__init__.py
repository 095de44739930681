"""Answering a question from an index: one entry point for every mode (search), dense search
across segments (dense), fusing rankings (fusion), restricting to some documents (filters,
document_columns), and questions that name an author or a year (mentions)."""
