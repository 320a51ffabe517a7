"""Compile the gettext catalogs into the wheel (issue 13): `build_py` writes each
bot/locale/<locale>/LC_MESSAGES/pricebot.po as a .mo beside it in the build, so an
installed pricebot reads compiled catalogs. A checkout or an editable install has no .mo
(they are not committed) and bot/i18n.py compiles the .po in memory instead.

Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogs(build_py):
    """build_py, then compile every shipped .po into a .mo next to it."""

    def run(self) -> None:
        super().run()
        # Babel is a build requirement (pyproject [build-system]) and a run-time one.
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path(self.build_lib, "bot", "locale").glob("*/LC_MESSAGES/*.po"):
            locale = po.parent.parent.name
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=locale, domain=po.stem)
            with po.with_suffix(".mo").open("wb") as out:
                write_mo(out, catalog)  # fuzzy entries stay out, as with msgfmt


setup(cmdclass={"build_py": BuildPyWithCatalogs})
