"""``python -m emnist_estimators``: the ``emnist-estimators`` command line."""

from .cli import main

raise SystemExit(main())
