"""The package's shape: small modules and functions, no hidden optional imports, data shipped.

These are the rules of docs/architecture.md checked on the code itself, so a
change that breaks them fails here rather than in a review.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "geoplan"
MAX_MODULE_LINES = 800
MAX_FUNCTION_CODE_LINES = 80
#: a function may be longer when its docstring says why, with this phrase
LONG_REASON = "long because"


def _modules():
    for f in sorted(PKG.rglob("*.py")):
        if "static" not in f.relative_to(PKG).parts:
            yield f


def _docstring_lines(tree: ast.AST) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                out.update(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    return out


def _code_lines(lines: list[str], node: ast.AST, docs: set[int]) -> int:
    n = 0
    for i in range(node.lineno, (node.end_lineno or node.lineno) + 1):
        text = lines[i - 1].strip()
        if text and not text.startswith("#") and i not in docs:
            n += 1
    return n


def test_count_helper_on_a_known_function():
    src = 'def f():\n    """Doc.\n\n    More.\n    """\n    # a comment\n\n    x = 1\n    return x\n'
    tree = ast.parse(src)
    assert _code_lines(src.splitlines(), tree.body[0], _docstring_lines(tree)) == 3


def test_modules_are_small():
    big = [f"{f.relative_to(ROOT)}: {n} lines" for f in _modules()
           if (n := len(f.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert not big, "modules over 800 lines:\n" + "\n".join(big)


def test_functions_are_small_or_say_why():
    long = []
    for f in _modules():
        src = f.read_text(encoding="utf-8")
        tree = ast.parse(src)
        docs = _docstring_lines(tree)
        lines = src.splitlines()
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            n = _code_lines(lines, node, docs)
            doc = ast.get_docstring(node) or ""
            if n > MAX_FUNCTION_CODE_LINES and LONG_REASON not in doc.lower():
                long.append(f"{f.relative_to(ROOT)}:{node.lineno} {node.name}: {n} lines of code")
    assert not long, "functions over 80 lines of code without a reason:\n" + "\n".join(long)


def test_no_skip_of_the_projects_own_modules():
    """A broken rename must fail, not skip: no importorskip of geoplan or its hard dependencies."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    hard = {re.split(r"[<>=!~ \[]", d, maxsplit=1)[0].lower().replace("-", "_") for d in deps}
    hard |= {"geoplan"}
    found = []
    for f in sorted((ROOT / "tests").glob("*.py")):
        for m in re.finditer(r"importorskip\(\s*[\"']([\w.]+)", f.read_text(encoding="utf-8")):
            if m.group(1).split(".")[0].lower() in hard:
                found.append(f"{f.name}: importorskip({m.group(1)!r})")
    assert not found, "\n".join(found)


def test_no_module_availability_scaffolding():
    """Pages, commands and report sections import what they use; none is optional."""
    found = [str(f.relative_to(ROOT)) for f in _modules()
             if "except ModuleNotFoundError" in f.read_text(encoding="utf-8")]
    assert not found, found


@pytest.mark.parametrize("pattern", [
    "config/defaults/*.toml", "data/demo/demo.gpkg", "data/demo/terreng.tif", "data/demo/stoy.tif",
    "data/kommuner.geojson", "present/app/streamlit.toml", "present/app/streamlit_app.py",
    "present/app/static/vendor/leaflet/leaflet.js", "present/report/templates/*.j2",
])
def test_runtime_files_live_in_the_package(pattern):
    """Everything the installed package reads at run time is inside geoplan/ (package data)."""
    assert list(PKG.glob(pattern)), pattern
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    rel = pattern
    assert any(Path(rel).match(g) or Path(rel).parent.match(Path(g).parent.as_posix())
               or g.endswith("**/*") and rel.startswith(g[:-4]) for g in globs["geoplan"]), (
        f"{pattern} is not declared as package data in pyproject.toml")


def test_no_pages_folder_beside_a_streamlit_main_script():
    """Streamlit runs ``pages/<name>.py`` by itself for a first request to ``/<name>``.

    That would skip the app's navigation, locale and login, so no main script may
    have a ``pages/`` folder beside it.
    """
    mains = [ROOT / "app.py", PKG / "present" / "app" / "streamlit_app.py"]
    assert all(m.exists() for m in mains)
    assert not [m for m in mains if (m.parent / "pages").exists()]
