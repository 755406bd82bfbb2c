import sys

from fcnn.cli import main

sys.exit(main())
