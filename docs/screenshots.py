"""Screenshots of the built documentation, at a desktop and a phone width.

Takes screenshots of a few pages of ``docs/_build/html`` with a headless
Chromium, to check the layout (sidebars, header, code blocks) in a real
browser::

    make docs
    python docs/screenshots.py            # or: make screenshots

The PNG files go to ``docs/_build/screenshots/`` (not committed), named
``<page>-<width>.png``. Chromium is not a Python package and is installed by
hand, e.g. on Debian or Ubuntu ``apt-get install chromium`` (see the
documentation's *Installation* page). The browser runs headless, with a new
profile in a temporary folder and without any network access of its own
(the pages are local files).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent

#: Pages to take, relative to the HTML folder, with their short names.
PAGES = {
    "home": "index.html",
    "quickstart": "quickstart.html",
    "api-cnn": "gen_modules/emnist_estimators.CNNClassifier.html",
    "gallery": "auto_examples/index.html",
}

#: Window widths in CSS pixels: a laptop and a phone.
WIDTHS = (1280, 390)

#: Browsers looked for on the PATH, in order.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Switches for a headless run that needs no display, sandbox or network.
HEADLESS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def find_browser(name: str | None = None) -> str:
    """The path of the Chromium executable.

    Parameters
    ----------
    name : str, optional
        A path or a command name; by default the first of :data:`BROWSERS`
        found on the PATH.

    Returns
    -------
    str
        The executable.
    """
    for candidate in [name] if name else BROWSERS:
        found = shutil.which(candidate)
        if found:
            return found
    raise SystemExit(
        "Chromium was not found (looked for "
        + ", ".join([name] if name else BROWSERS)
        + "). Install it, e.g. `apt-get install chromium` on Debian or Ubuntu, "
        "or pass --browser."
    )


def screenshot(
    browser: str, page: Path, out: Path, width: int, height: int, timeout: float
) -> None:
    """Take one screenshot of ``page`` with a window of ``width`` x ``height``."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        command = [
            browser,
            *HEADLESS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={out}",
            page.resolve().as_uri(),
        ]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    if result.returncode != 0 or not out.is_file():
        raise RuntimeError(
            f"{browser} failed on {page} (exit code {result.returncode}):\n"
            f"{result.stderr[-2000:]}"
        )


def main(argv: list[str] | None = None) -> int:
    """Take the screenshots.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status.
    """
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument(
        "--html", type=Path, default=DOCS / "_build" / "html", help="built HTML"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DOCS / "_build" / "screenshots",
        help="folder for the PNG files",
    )
    parser.add_argument("--browser", help="Chromium executable (default: found)")
    parser.add_argument(
        "--widths", type=int, nargs="+", default=list(WIDTHS), help="CSS pixels"
    )
    parser.add_argument("--height", type=int, default=900, help="window height")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per shot")
    args = parser.parse_args(argv)

    if not (args.html / "index.html").is_file():
        parser.error(f"{args.html} holds no built documentation: run `make docs`.")
    browser = find_browser(args.browser)
    args.output.mkdir(parents=True, exist_ok=True)
    for name, relative in PAGES.items():
        page = args.html / relative
        if not page.is_file():
            parser.error(f"{page} does not exist: is the documentation built?")
        for width in args.widths:
            out = args.output / f"{name}-{width}.png"
            screenshot(browser, page, out, width, args.height, args.timeout)
            print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
