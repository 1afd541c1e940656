import sys

from openended.cli import main

sys.exit(main())
