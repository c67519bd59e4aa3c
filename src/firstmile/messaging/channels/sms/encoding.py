"""How an SMS text is encoded and split, per 3GPP TS 23.038 (GSM 03.38) and TS 23.040.

A text that the GSM 7-bit default alphabet (with its extension table) can carry goes as
GSM-7: 160 septets in one message; the extension characters (``€ [ ] { } | ^ ~ \\``) take
two septets (escape + character). Anything else goes as UCS-2: 70 UTF-16 code units in one
message; a character outside the Basic Multilingual Plane (most emoji) takes two. A longer
text is sent as concatenated segments, each carrying a 6-octet user data header, which
leaves 153 septets or 67 code units per segment. A segment never splits an escape sequence
or a surrogate pair. Concatenation numbers parts in one octet: 255 segments at most.

The alphabet itself comes from the `gsm0338` codec; this module only counts and splits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

from firstmile.kit.errors import InvalidInput

GSM7 = "GSM-7"
UCS2 = "UCS-2"
SINGLE = {GSM7: 160, UCS2: 70}
CONCATENATED = {GSM7: 153, UCS2: 67}
MAX_SEGMENTS = 255


@dataclass(frozen=True)
class SmsInfo:
    encoding: str  # GSM-7 or UCS-2
    characters: int  # characters of the text (Unicode code points)
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2) the text takes
    segments: int
    characters_per_segment: int  # units a segment of this message holds: 160/153 or 70/67
    parts: list[str] = field(repr=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "encoding": self.encoding,
            "characters": self.characters,
            "units": self.units,
            "segments": self.segments,
            "characters_per_segment": self.characters_per_segment,
        }


def encoding_for(text: str) -> str:
    """GSM-7 when every character is in the GSM 03.38 alphabet, else UCS-2."""
    try:
        text.encode("gsm03.38")
    except UnicodeEncodeError:
        return UCS2
    return GSM7


def _units(char: str, encoding: str) -> int:
    if encoding == GSM7:
        return len(char.encode("gsm03.38"))  # 2 for the extension table (escape + character)
    return 2 if ord(char) > 0xFFFF else 1  # a surrogate pair in UTF-16


def analyse(text: str) -> SmsInfo:
    """Encoding, size and segments of `text`; InvalidInput on `text` beyond 255 segments."""
    encoding = encoding_for(text)
    sizes = [_units(char, encoding) for char in text]
    total = sum(sizes)
    if total <= SINGLE[encoding]:
        return SmsInfo(encoding, len(text), total, 1, SINGLE[encoding], [text])
    limit = CONCATENATED[encoding]
    parts: list[str] = []
    start = used = 0
    for index, size in enumerate(sizes):
        if used + size > limit:  # this character starts the next segment, whole
            parts.append(text[start:index])
            start, used = index, 0
        used += size
    parts.append(text[start:])
    if len(parts) > MAX_SEGMENTS:
        raise InvalidInput(
            f"needs {len(parts)} segments; one SMS message can have at most {MAX_SEGMENTS}",
            field="text",
        )
    return SmsInfo(encoding, len(text), total, len(parts), limit, parts)
