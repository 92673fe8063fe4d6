"""Allow ``python -m companion`` as well as the ``bargain-witness`` console script."""

from companion.cli import main

main()
