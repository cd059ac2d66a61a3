import sys

from bayes_mmm.cli import main

sys.exit(main())
