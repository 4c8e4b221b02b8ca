"""The fit pipeline: what ``fit`` and ``partial_fit`` use, and nothing else does.

``BaseImageClassifier.fit`` (:mod:`emnist_estimators.base`) calls, in order:

1. :func:`.settings.resolve_settings`: the parameters normalised and
   resolved once into a frozen ``Settings`` (each shared training parameter
   declared once, in :mod:`.parameters`);
2. :func:`.inputs.training_data`: the images, labels and weights checked
   and encoded;
3. :func:`.run.train`: the network and the skorch net built from the
   settings (:mod:`.net`, :mod:`.callbacks`, :mod:`.checkpoint`,
   :mod:`.optim`, :mod:`.augment`, :mod:`.data`) and trained.

Nothing here imports the estimators or calls back into them.
"""
