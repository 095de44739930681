"""Vector stores, one module per backend (flat: exact; ivfpq: approximate), the code both
share (base) and the one module that chooses a backend for writing and opens one for reading
(factory). Nothing outside this package names a backend's classes or files."""
