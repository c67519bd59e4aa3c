"""Records of an XML list file, one element tree each, with the line it starts on, read
incrementally (a 20 MB EU file is never held as one tree).

The files come from the UN and the EU, but are still read defensively: a document type
declaration (where entity tricks live) is refused, and external entities are never fetched
(Python's SAX parser has them off; expat >= 2.4.1 limits entity expansion besides).
"""

from __future__ import annotations

import xml.sax
import xml.sax.handler
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from xml.etree.ElementTree import Element

from firstmile.kyc.screening.errors import ListFileInvalid

CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Record:
    element: Element
    line: int


class _Builder(xml.sax.handler.ContentHandler):
    """Builds one tree per record element; everything outside records is skipped."""

    def __init__(self, tags: frozenset[str]) -> None:
        super().__init__()
        self.tags = tags
        self.stack: list[Element] = []
        self.line = 0
        self.done: list[Record] = []
        self.locator: xml.sax.xmlreader.Locator | None = None

    def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:
        self.locator = locator

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:
        local = name.rpartition(":")[2]
        if not self.stack and local not in self.tags:
            return
        element = Element(local, {k.rpartition(":")[2]: v for k, v in attrs.items()})
        if self.stack:
            self.stack[-1].append(element)
        else:
            self.line = (self.locator.getLineNumber() or 0) if self.locator else 0
        self.stack.append(element)

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].text = (self.stack[-1].text or "") + content

    def endElement(self, name: str) -> None:
        if not self.stack:
            return
        element = self.stack.pop()
        if not self.stack:
            self.done.append(Record(element, self.line))

    def startDTD(self, name: str, public_id: str | None, system_id: str | None) -> None:
        raise xml.sax.SAXException("a document type declaration is not accepted")

    def endDTD(self) -> None:
        return None

    def startCDATA(self) -> None:
        return None

    def endCDATA(self) -> None:
        return None

    def comment(self, content: str) -> None:
        return None


def records(path: Path, tags: frozenset[str]) -> Iterator[Record]:
    """The elements named in `tags` (namespace prefixes ignored), in file order."""
    builder = _Builder(tags)
    parser = xml.sax.make_parser()  # noqa: S317 (see the module doc)
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setFeature(xml.sax.handler.feature_external_pes, False)
    parser.setContentHandler(builder)
    # Fed in chunks, the parser does not hand out its locator: it is one (expatreader).
    builder.setDocumentLocator(cast(xml.sax.xmlreader.Locator, parser))
    parser.setProperty(xml.sax.handler.property_lexical_handler, builder)
    try:
        with path.open("rb") as file:
            while chunk := file.read(CHUNK):
                parser.feed(chunk)  # type: ignore[attr-defined]
                yield from builder.done
                builder.done.clear()
            parser.close()  # type: ignore[attr-defined]
    except xml.sax.SAXParseException as exc:
        raise ListFileInvalid(f"{path.name} line {exc.getLineNumber()}", exc.getMessage()) from None
    except xml.sax.SAXException as exc:
        raise ListFileInvalid(path.name, exc.getMessage()) from None
    yield from builder.done


def text_of(parent: Element, tag: str) -> str:
    """The stripped text of `parent`'s first `tag` child; "" if none."""
    child = parent.find(tag)
    return (child.text or "").strip() if child is not None else ""


def texts_of(parent: Element, path: str) -> list[str]:
    """The stripped, non-empty texts of every element at `path` under `parent`."""
    return [text for e in parent.iterfind(path) if (text := (e.text or "").strip())]
