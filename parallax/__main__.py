"""`python -m parallax`: the same command line as the `parallax` script."""

from parallax.cli import main

main()
