"""The estimators' shared docstring blocks, written once and filled into each class."""

from __future__ import annotations

import re
import textwrap

#: Documentation of the parameters that all four estimators share; each
#: estimator's docstring includes it where it says %(training_parameters)s.
TRAINING_PARAMETERS_DOC = """\
    optimizer : str or type, default="adam"
        'adam', 'adamw', 'sgd', 'asgd', 'rmsprop', 'nadam', 'adadelta',
        'adagrad', or a subclass of ``torch.optim.Optimizer``.
    lr : float or None, default=None
        Learning rate (for ``lr_scheduler='onecycle'``: the peak). None uses a
        usual starting value for the optimizer: 1e-3 for Adam-like optimizers
        and RMSprop, 1e-2 for SGD, ASGD and Adagrad, 1.0 for Adadelta.
    momentum : float, default=0.9
        Momentum of 'sgd' and 'rmsprop' (ignored by the other optimizers).
    weight_decay : float, default=0.0
        L2 penalty, passed to the optimizer (decoupled for 'adamw').
    l1 : float, default=0.0
        L1 penalty: ``l1 * sum(|w|)`` over weight matrices and convolution
        kernels is added to the training loss.
    batch_size : int, default=32
        Samples per mini-batch (training, validation and prediction). 32 (as
        in Keras) gives small data sets enough optimizer steps in the default
        epochs; on large data sets a larger batch trains faster per epoch
        (the 'emnist' presets use 128).
    max_epochs : int
        Passes over the training data (fewer with early stopping).
    lr_scheduler : {'step', 'exponential', 'cosine', 'plateau', 'onecycle'} or \
None, default=None
        Learning-rate schedule, applied through skorch's ``LRScheduler``:
        'step' multiplies the rate by ``lr_gamma`` every ``lr_step_size``
        epochs; 'exponential' by ``lr_gamma`` every epoch; 'cosine' anneals it
        to 0 over ``max_epochs`` (per batch); 'plateau' multiplies it by
        ``lr_gamma`` after ``lr_patience`` epochs without improvement of the
        validation loss (the training loss without a validation split);
        'onecycle' warms up to ``lr`` and anneals (per batch).
    lr_step_size : int, default=5
        Epochs between decays of the 'step' schedule.
    lr_gamma : float or None, default=None
        Decay factor of 'step', 'exponential' and 'plateau'; None means 0.1
        for 'step' and 'plateau' and 0.9 for 'exponential'.
    lr_patience : int, default=2
        Epochs without improvement before 'plateau' decays the rate.
    label_smoothing : float, default=0.0
        Label smoothing of the cross-entropy loss, in [0, 1).
    max_grad_norm : float or None, default=None
        Clip the gradients before each optimizer step so that their global L2
        norm is at most this (:func:`torch.nn.utils.clip_grad_norm_`; in
        float16, after unscaling); None does not clip. Steadies training at
        the peak of a high learning rate, notably of the LSTM.
    class_weight : dict, 'balanced', 'balanced_sqrt' or None, default=None
        Weights of the classes in the loss: a dict label -> weight (labels
        not in it weigh 1), 'balanced' for ``n_samples / (n_classes *
        count(label))`` (as :func:`sklearn.utils.class_weight.compute_class_weight`),
        'balanced_sqrt' for the square root of those (a milder correction
        that lifts the rare classes at little cost in accuracy), or None for
        equal weights. Multiplies ``sample_weight`` of ``fit``.
    augment : bool or dict, default=False
        Random affine augmentation of every training batch, drawn per image
        and applied on the training device: rotation (degrees), shift and
        scale (fractions of the image size) and shear (degrees). True uses
        ``{'rotation': 10, 'shift': 0.08, 'scale': 0.1, 'shear': 8}``; a dict
        changes some of these ranges (0 switches one off).
    test_time_augmentation : bool, default=False
        Average the predicted probabilities over the image and fixed mildly
        transformed copies of it (rotations by half the ``rotation`` range and
        shifts by half the ``shift`` range), at prediction time only.
    average : {'ema', 'swa'} or None, default=None
        Weight averaging: 'ema' keeps an exponential moving average of the
        weights (decay 0.999 per batch after a warm-up), 'swa' the mean of
        the weights at the end of each epoch of the last quarter of training
        (stochastic weight
        averaging, ``torch.optim.swa_utils``). The fitted network has the
        averaged weights, with batch-norm statistics recomputed for them on
        the training data. None trains without averaging.
    early_stopping : bool, default=False
        Stop when the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and restore the weights of the best epoch
        (skorch's ``EarlyStopping(load_best=True)``).
    validation_fraction : float or None, default=None
        Fraction of the training data held out (stratified when every class
        has at least two samples) to compute ``valid_loss`` and ``valid_acc``
        after each epoch. None holds out 0.1 when ``early_stopping`` is on and
        nothing otherwise.
    n_iter_no_change : int, default=5
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Minimum decrease of the validation loss that counts as an improvement.
    image_shape : tuple of int or None, default=None
        ``(height, width)`` or ``(channels, height, width)`` of flat input
        rows. None takes the shape of 3-D/4-D input, or else a square image
        when the number of features is a square (784 -> 28x28) and a single
        row of pixels otherwise.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, data order, dropout and the validation
        split. The same int gives the same weights and predictions on the
        same machine; on CUDA a seeded fit trains with cuDNN's deterministic
        algorithms for that (results differ from a CPU's in the last bits).
        torch's global random state is left as it was.
    device : str or torch.device, default="auto"
        'auto' (CUDA when available, else the CPU), 'cpu', 'cuda', 'cuda:N'
        or 'mps'. A device that is not available raises ``ValueError`` in
        ``fit``.
    precision : {'float32', 'bfloat16', 'float16', 'auto'}, default='float32'
        Compute precision of training and prediction. 'bfloat16' runs the
        forward passes under ``torch.autocast`` in bfloat16 (weights, gradients
        and the loss stay float32): faster on GPUs and on CPUs with bfloat16
        instructions (AVX-512 BF16, AMX), but emulated and much slower on
        other CPUs (a ``UserWarning`` says so). 'float16' autocasts to float16
        with a gradient scaler, for CUDA GPUs without bfloat16 (V100, T4).
        'auto' picks bfloat16 where it is native and float32 elsewhere; the
        choice made is ``precision_``.
        float32 is the default so that results do not depend on the machine
        beyond the last bits.
    n_threads : int or None, default=None
        CPU threads torch uses while this estimator trains and predicts
        (``torch.set_num_threads``, restored afterwards). None leaves torch's
        setting. Set it to 1 when several fits run in parallel (``n_jobs``,
        Dask workers) so that they do not oversubscribe the cores.
    verbose : int, default=0
        0 is silent; 1 or more prints skorch's per-epoch table and shows a
        tqdm progress bar over the batches of each epoch.
    callbacks : list or None, default=None
        Extra skorch callbacks (instances, or ``(name, callback)`` pairs).
        They are copied in ``fit``; the fitted ones are in
        ``net_.callbacks_``.
    warm_start : bool, default=False
        When True and the estimator was fitted before with the same classes
        and architecture, ``fit`` starts from the previous weights (with a new
        optimizer and history) instead of a fresh initialisation. To continue
        a training run exactly (optimizer, schedule, history), use
        ``checkpoint`` and ``fit(..., resume=True)``, or :meth:`partial_fit`.
    checkpoint : str, path-like or None, default=None
        A folder in which ``fit`` saves, after every epoch and atomically, the
        network, optimizer, schedule, epoch, random-number states and history
        of the run, in a subfolder of its own per fit (named from the
        estimator's parameters and a fingerprint of the data, so that parallel
        fits of a search never collide; ``checkpoint_path_``). ``fit(X, y,
        resume=True)`` continues from it after an interruption and ends with
        the weights and history an uninterrupted run would have had. None
        saves nothing.
    max_time : float or None, default=None
        A time budget in seconds for ``fit``: when an epoch ends after it,
        training stops there (``fit_status_ == 'time_limit'``), keeping the
        best weights so far (those of the best validation loss when there is
        a validation split)."""

#: Documentation of the fitted attributes, shared likewise (%(attributes)s).
ATTRIBUTES_DOC = """\
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted; ``predict`` returns these and the columns of
        ``predict_proba`` follow their order.
    n_features_in_ : int
        Number of features (pixels) per sample seen in ``fit``.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen in ``fit``, when X had string column names.
    image_shape_ : tuple of int
        ``(channels, height, width)`` the flat rows were read as.
    net_ : ImageNeuralNetClassifier
        The trained skorch net; ``net_.module_`` is the ``torch.nn.Module``.
    history_ : skorch.History
        One entry per epoch with ``train_loss``, ``train_acc``, ``dur``
        (seconds) and, with a validation split, ``valid_loss`` and
        ``valid_acc``; e.g. ``history_[:, 'valid_acc']``.
    n_iter_ : int
        Number of epochs run.
    interrupted_ : bool
        Whether training was stopped before its planned end by Ctrl-C
        (``KeyboardInterrupt``) or the time budget: the model keeps the best
        weights so far.
    fit_status_ : str
        How the last ``fit`` ended: 'completed' (all epochs), 'early_stopped'
        (by early stopping), 'interrupted' (Ctrl-C) or 'time_limit'
        (``max_time``).
    device_ : str
        The device used, e.g. 'cpu' or 'cuda:0'.
    precision_ : str
        The compute precision used, 'float32' or 'bfloat16' (what
        ``precision='auto'`` chose on this machine).
    n_parameters_ : int
        Number of trainable parameters of the network.
    fit_time_ : float
        Wall-clock seconds spent in ``fit``.
    checkpoint_path_ : pathlib.Path or None
        The folder of this fit's checkpoints (None without ``checkpoint``)."""


def fill_docstring(cls: type) -> type:
    """Class decorator: put the shared parameter and attribute docs in ``cls.__doc__``.

    Parameters
    ----------
    cls : type
        An estimator class whose docstring contains the placeholders
        ``%(training_parameters)s`` and ``%(attributes)s``.

    Returns
    -------
    type
        ``cls``, with its docstring filled in.
    """
    if cls.__doc__:
        blocks = {
            "training_parameters": TRAINING_PARAMETERS_DOC,
            "attributes": ATTRIBUTES_DOC,
        }

        def expand(match: re.Match) -> str:
            # Indent every line of the block like the placeholder's line.
            return textwrap.indent(
                textwrap.dedent(blocks[match.group(2)]), match.group(1)
            )

        cls.__doc__ = re.sub(
            r"^([ \t]*)%\((training_parameters|attributes)\)s",
            expand,
            cls.__doc__,
            flags=re.MULTILINE,
        )
    return cls
