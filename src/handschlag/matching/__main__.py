"""``python -m handschlag.matching match|encode|match-encoded ...``"""

import sys

from handschlag.matching.cli import main

sys.exit(main(sys.argv[1:]))
