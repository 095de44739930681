"""The index folder on disk: its generations and the atomic switch between them (layout),
its own small files (small_files: CURRENT, LOCK, SOURCES.json), what a generation was built
with (manifest), the checksums a reader verifies (checksums), what rebuilds a damaged index
and the commands hints name (recovery), and `parallax check`'s deep verification (check)."""
