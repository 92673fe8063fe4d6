"""Package layout that pyproject.toml cannot say by itself.

``shared/`` (the message contract) and ``extension/`` (the browser extension) stay at the top of
the repository, where the contract and the browser's "load unpacked" expect them, and ship inside
the package as ``companion.shared`` and ``companion.extension`` so that an installed wheel has them
too; the companion finds them with importlib.resources (companion/core/resources.py). Every folder
under them becomes a package here, so a new folder needs no edit (tests/test_packaging.py checks
that the wheel holds every tracked file).
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

ROOT = Path(__file__).resolve().parent
MAPPED = {"companion.shared": "shared", "companion.extension": "extension"}


def mapped_packages() -> dict[str, str]:
    found = {}
    for package, folder in MAPPED.items():
        base = ROOT / folder
        for sub in [base, *sorted(p for p in base.rglob("*") if p.is_dir() and "__pycache__" not in p.parts)]:
            parts = sub.relative_to(base).parts
            found[".".join([package, *parts])] = "/".join([folder, *parts])
    return found


MAPPED_PACKAGES = mapped_packages()
setup(
    packages=[
        *find_namespace_packages(include=["companion", "companion.*"], exclude=["*.__pycache__"]),
        *MAPPED_PACKAGES,
    ],
    package_dir=MAPPED_PACKAGES,
    package_data={
        **{name: ["*"] for name in MAPPED_PACKAGES},
        # vendored libraries ship with their LICENSE (static/vendor/uplot: MIT)
        "companion": ["**/*.html", "**/*.css", "**/*.js", "**/*.svg", "static/vendor/**/LICENSE"],
    },
)
