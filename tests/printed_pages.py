"""What headless Chromium printed, read without poppler: PDF page text, PNG pixels.

`pdftotext` and `pdftoppm` are used when installed. Without them, `page_texts` reads
the text of each page of a PDF that Chromium (Skia) wrote: content streams compressed
with Flate, fonts in Identity-H with a ToUnicode map, text drawn with `Tj` and `TJ`.
It is not a general PDF reader, only enough for Chromium's own output. `png_pixels`
decodes an 8-bit RGB or RGBA PNG, as Chromium's screenshots are.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
_REF = rb"(\d+) 0 R"


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, in order (pdftotext when installed)."""
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    data = pdf.read_bytes()
    objects = {int(n): body for n, body in _OBJECT.findall(data)}
    roots = [body for body in objects.values() if re.search(rb"/Type\s*/Pages", body)]
    root = max(roots, key=lambda body: int(re.search(rb"/Count (\d+)", body)[1]))
    pages = _kids(root, objects)
    return [_page_text(objects[number], objects) for number in pages]


def first_page_png(pdf: Path, html: Path, out: Path, *, browser: str) -> Path:
    """Page 1 as a PNG: pdftoppm when installed, else the page at A4 size."""
    if shutil.which("pdftoppm"):
        stem = out.with_suffix("")
        subprocess.run(
            [
                *("pdftoppm", "-f", "1", "-l", "1", "-r", "96", "-png", "-singlefile"),
                str(pdf),
                str(stem),
            ],
            check=True,
        )
        return stem.with_suffix(".png")
    # A4 at 96 dots per inch, in CSS pixels: what the first sheet holds.
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=794,1123",
            f"--screenshot={out}",
            html.resolve().as_uri(),
        ],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return out


def png_pixels(png: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB bytes of an 8-bit RGB or RGBA PNG."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG"
    position, chunks = 8, b""
    width = height = channels = 0
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height = (
                int.from_bytes(body[:4], "big"),
                int.from_bytes(body[4:8], "big"),
            )
            assert body[8] == 8 and body[12] == 0, "only 8-bit, non-interlaced PNGs"
            channels = {2: 3, 6: 4}[body[9]]
        elif kind == b"IDAT":
            chunks += body
    raw = zlib.decompress(chunks)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(
            raw[start],
            bytearray(raw[start + 1 : start + 1 + stride]),
            previous,
            channels,
        )
        previous = line
        rgb = (
            bytes(line)
            if channels == 3
            else bytes(value for i, value in enumerate(line) if i % 4 != 3)
        )
        rows.append(rgb)
    return width, height, rows


def _unfilter(kind: int, line: bytearray, above: bytearray, step: int) -> bytearray:
    for i in range(len(line)):
        left = line[i - step] if i >= step else 0
        up = above[i]
        corner = above[i - step] if i >= step else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            guess = left + up - corner
            near = min(
                (abs(guess - left), 0, left),
                (abs(guess - up), 1, up),
                (abs(guess - corner), 2, corner),
            )[2]
            line[i] = (line[i] + near) & 0xFF
    return line


def _kids(node: bytes, objects: dict[int, bytes]) -> list[int]:
    found = []
    kids = re.search(rb"/Kids\s*\[([^\]]*)\]", node)
    for number in map(int, re.findall(_REF, kids[1] if kids else b"")):
        child = objects[number]
        if re.search(rb"/Type\s*/Pages", child):
            found += _kids(child, objects)
        else:
            found.append(number)
    return found


def _stream(body: bytes) -> bytes:
    head, _, rest = body.partition(b"stream")
    rest = rest.lstrip(b"\r\n")
    rest = rest[: rest.rfind(b"endstream")]
    return zlib.decompress(rest) if b"FlateDecode" in head else rest


def _unicode_map(body: bytes) -> dict[int, str]:
    text = _stream(body).decode("latin-1")
    glyphs: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for glyph, code in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            glyphs[int(glyph, 16)] = bytes.fromhex(code).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for low, high, code in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first = int(code, 16)
            for offset, glyph in enumerate(range(int(low, 16), int(high, 16) + 1)):
                glyphs[glyph] = chr(first + offset)
    return glyphs


def _page_text(page: bytes, objects: dict[int, bytes]) -> str:
    fonts = {}
    listed = re.search(rb"/Font\s*<<(.*?)>>", page, re.S)
    for name, number in re.findall(rb"/(\w+)\s+" + _REF, listed[1] if listed else b""):
        unicode = re.search(rb"/ToUnicode " + _REF, objects[int(number)])
        fonts[name] = _unicode_map(objects[int(unicode[1])]) if unicode else {}
    contents = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+ 0 R)", page)
    numbers = map(int, re.findall(_REF, contents[1] if contents else b""))
    drawn = b"\n".join(_stream(objects[number]) for number in numbers)
    words, glyphs = [], {}
    operations = re.finditer(
        rb"/(\w+)\s+[\d.]+\s+Tf|\[((?:[^\]]*))\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj", drawn
    )
    for operation in operations:
        font, array, single = operation.groups()
        if font is not None:
            glyphs = fonts.get(font, {})
            continue
        hexes = (
            re.findall(rb"<([0-9A-Fa-f]*)>", array) if array is not None else [single]
        )
        codes = b"".join(hexes).decode()
        words.append(
            "".join(
                glyphs.get(int(codes[i : i + 4], 16), "?")
                for i in range(0, len(codes), 4)
            )
        )
    return " ".join(words)
