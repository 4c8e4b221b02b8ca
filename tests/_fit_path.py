"""Trace the modules a ``fit`` passes through on its way to skorch's training loop.

:func:`trace_fit` records, with ``sys.setprofile``, every call that crosses
from one module of the package into another, from the start of ``fit`` until
skorch's training call (``NeuralNet.partial_fit``) starts; what runs inside
it (the callbacks' hooks and the steps of every epoch and batch, which call
the net and the net calls them, by skorch's design) is the loop, not the
path.

It counts a *climb* for a call into a module that is still on the stack below
the caller (a lower layer calling back up), and a *return* for a call into a
module the path had already left. It also groups the path by *step*: each
call that ``fit`` itself makes into another module starts one, and the step
holds every module entered until it returns.

``python tests/_fit_path.py`` prints the path of a small CNN fit.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

PACKAGE = "emnist_estimators"


@dataclass
class FitPath:
    """The modules a fit entered, in order, and how it moved between them."""

    entries: list[str] = field(default_factory=list)
    climbs: list[tuple[str, str]] = field(default_factory=list)
    returns: list[tuple[str, str]] = field(default_factory=list)
    steps: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def modules(self) -> list[str]:
        """Each module once, in the order first entered."""
        return list(dict.fromkeys(self.entries))


def trace_fit(estimator, X, y, **fit_params) -> FitPath:
    """Fit ``estimator`` and return the path its ``fit`` took (see the module)."""
    path = FitPath()
    stack: list[tuple[str | None, bool]] = []  # (our module or None, is fit)
    in_loop = [0]
    visited: set[str] = set()

    def innermost() -> tuple[str | None, bool]:
        return next(
            ((m, f) for m, f in reversed(stack) if m is not None), (None, False)
        )

    def profile(frame, event, arg):
        if event not in ("call", "return"):
            return
        name = frame.f_globals.get("__name__", "")
        code = frame.f_code
        is_loop = name == "skorch.net" and code.co_name == "partial_fit"
        if event == "return":
            if stack:
                stack.pop()
            if is_loop:
                in_loop[0] -= 1
            return
        ours = name == PACKAGE or name.startswith(PACKAGE + ".")
        module = name if ours else None
        caller, _ = innermost()
        fit_module = next((m for m, f in stack if f), None)
        # A step: a call out of the module of fit (fit or one of its helpers).
        caller_is_fit = fit_module is not None and caller == fit_module
        is_fit = ours and code.co_name == "fit" and fit_module is None
        if ours and not in_loop[0] and module != caller:
            path.entries.append(module)
            if any(m == module for m, _ in stack):
                path.climbs.append((caller, module))
            elif module in visited:
                path.returns.append((caller, module))
            visited.add(module)
            if caller_is_fit:
                path.steps.append((module, []))
            if path.steps and not caller_is_fit:
                path.steps[-1][1].append(module)
        stack.append((module, is_fit))
        if is_loop:
            in_loop[0] += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        estimator.fit(X, y, **fit_params)
    finally:
        sys.setprofile(previous)
    return path


def main() -> None:
    import numpy as np

    from emnist_estimators import CNNClassifier

    rng = np.random.default_rng(0)
    X = rng.integers(0, 255, (64, 784), dtype=np.uint8)
    y = np.arange(64) % 4
    clf = CNNClassifier(filters=(4,), dense_units=(), max_epochs=1, device="cpu")
    clf.fit(X, y)  # imports done before tracing
    found = trace_fit(clf, X, y)
    print(f"{len(found.modules)} modules: {', '.join(found.modules)}")
    print(f"{len(found.climbs)} climbs ({len(set(found.climbs))} distinct):")
    for pair in sorted(set(found.climbs), key=str):
        print("   ", " -> ".join(map(str, pair)))
    print(f"{len(found.returns)} returns ({len(set(found.returns))} distinct):")
    for pair in sorted(set(found.returns), key=str):
        print("   ", " -> ".join(map(str, pair)))
    print("steps of fit:")
    for module, inside in found.steps:
        print(f"    {module}: {', '.join(dict.fromkeys(inside))}")


if __name__ == "__main__":
    main()
