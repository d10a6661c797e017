"""``python -m geoplan`` runs the command line."""

import sys

from geoplan.present.cli.main import main

sys.exit(main())
