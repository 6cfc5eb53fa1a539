"""`python -m intake`."""

import sys

from intake.warm import main

sys.exit(main())
