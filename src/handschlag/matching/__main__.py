"""``python -m handschlag.matching match|encode|match-encoded ...``"""

import sys

from handschlag.matching.cli import exit_now, main

exit_now(main(sys.argv[1:]))
