"""`python -m hpo_core.dashboard PATH [--host H] [--port P]`: the same as `asktell dashboard`."""
import sys

from ..cli import main

if __name__ == "__main__":
    sys.exit(main(["dashboard", *sys.argv[1:]]))
