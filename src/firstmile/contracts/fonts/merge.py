"""Rebuild FirstmileArabic-*.ttf: Noto Sans (Latin, digits) merged with Noto Naskh Arabic.

Arabic pages need one face for both scripts: fpdf2 (2.8) loses the font of a fallback run
that starts a wrapped line, and Naskh's own Latin full stop reads like a comma in amounts.
Run `uv run python -m firstmile.contracts.fonts.merge SRC_DIR` with the Noto TTFs in SRC_DIR
(Debian: /usr/share/fonts/truetype/noto). Both fonts are OFL-1.1; the result is renamed, as
the licence asks of modified versions.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools.merge import Merger  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

HERE = Path(__file__).resolve().parent
FAMILY = "Firstmile Arabic"


def build(src: Path, style: str) -> Path:
    font: TTFont = Merger().merge(
        [str(src / f"NotoSans-{style}.ttf"), str(src / f"NotoNaskhArabic-{style}.ttf")]
    )
    names = font["name"]
    names.setName(FAMILY, 1, 3, 1, 0x409)
    names.setName(style, 2, 3, 1, 0x409)
    names.setName(f"{FAMILY} {style}", 4, 3, 1, 0x409)
    names.setName(f"FirstmileArabic-{style}", 6, 3, 1, 0x409)
    out = HERE / f"FirstmileArabic-{style}.ttf"
    font.save(str(out))
    return out


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/usr/share/fonts/truetype/noto")
    for face in ("Regular", "Bold"):
        print(build(source, face))
