"""The README's example and commands stay true."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_minimal_example_runs(capsys):
    text = README.read_text()
    (code,) = re.findall(r"## A minimal example\n\n```python\n(.*?)```", text, re.S)
    exec(compile(code, str(README), "exec"), {})
    out = capsys.readouterr().out
    assert "macro avg" in out  # the classification report was printed


def test_the_two_commands_are_make_targets():
    text = README.read_text()
    makefile = (README.parent / "Makefile").read_text()
    for target in ("demo", "test"):
        assert f"make {target}" in text
        assert re.search(rf"^{target}:", makefile, re.M)
    assert "make test" in (README.parent / ".ci" / "run").read_text()
