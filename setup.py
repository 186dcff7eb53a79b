"""The package build's one computed setting: the bundled registry ships without what is machine-local.

That list has one home, ``registry/layout.py``'s ``MACHINE_LOCAL``; it is read here as a literal, so the build
imports nothing of the package. Everything else is in pyproject.toml.
"""
import ast
from pathlib import Path

from setuptools import setup


def machine_local() -> tuple[str, ...]:
    tree = ast.parse((Path(__file__).parent / "registry" / "layout.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "MACHINE_LOCAL" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError("registry/layout.py defines no MACHINE_LOCAL literal")


# The whole bundled registry (generators, extras, records, runs) at any depth is package data (pyproject.toml),
# but nothing recomputable or local to the machine that trained it.
setup(exclude_package_data={"zoo": [f"pretrained/{glob}" for glob in machine_local()]})
