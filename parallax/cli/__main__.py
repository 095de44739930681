"""`python -m parallax.cli`: the module path of earlier versions, kept working for scripts."""

from parallax.cli import main

main()
