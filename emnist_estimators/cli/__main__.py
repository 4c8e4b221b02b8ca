"""``python -m emnist_estimators.cli``: the ``emnist-estimators`` command line."""

from . import main

raise SystemExit(main())
