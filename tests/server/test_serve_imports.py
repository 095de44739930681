"""`parallax serve` and `parallax mcp` cost the other commands nothing: their web and MCP
libraries are imported only when a server starts."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from parallax.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
heavy = sorted(m for m in ("fastapi", "starlette", "uvicorn", "mcp")
               if m in sys.modules)
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
"""


def test_help_and_other_commands_do_not_import_the_servers() -> None:
    for args in (["--help"], ["serve", "--help"], ["mcp", "--help"]):
        done = subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True,
                              text=True, timeout=120)
        assert done.stderr.rstrip().endswith("HEAVY:"), (args, done.stderr)
        assert "Usage" in done.stdout
