"""A small SVG writer: deterministic output (fixed decimals, no ids from memory addresses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
_NARROW = set("fijlrtI.,;:'|!() ")
_WIDE = set("MWmw@")


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A generous estimate of the rendered width of text (no font files needed): wide enough
    for DejaVu Sans, the widest of the usual fallback fonts."""
    total = 0.0
    for ch in text:
        if ch in _NARROW:
            total += 0.36
        elif ch in _WIDE:
            total += 0.95
        elif ch.isupper() or ch.isdigit():
            total += 0.72
        else:
            total += 0.61
    return total * size * (1.1 if bold else 1.0)


def num(x: float) -> str:
    """A coordinate with one decimal, trailing zeros dropped."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def esc(text: str) -> str:
    """Text safe for XML content and attributes."""
    return escape(text, quote=True)


@dataclass
class Svg:
    """An SVG image under construction."""

    width: float
    height: float
    title: str
    description: str
    parts: list[str] = field(default_factory=list)
    defs: list[str] = field(default_factory=list)

    def add(self, element: str) -> None:
        """Append raw SVG markup (already escaped)."""
        self.parts.append(element)

    def text(self, x: float, y: float, content: str, *, size: float = 12, anchor: str = "start",
             weight: str = "normal", fill: str = "#1f2933", cls: str = "",
             halo: bool = False) -> None:
        """A line of text; halo paints a white outline so it reads over lines."""
        extra = ' stroke="#ffffff" stroke-width="3" paint-order="stroke"' if halo else ""
        klass = f' class="{cls}"' if cls else ""
        self.add(f'<text x="{num(x)}" y="{num(y)}" font-size="{num(size)}" text-anchor="{anchor}" '
                 f'font-weight="{weight}" fill="{fill}"{extra}{klass}>{esc(content)}</text>')

    def line(self, x1: float, y1: float, x2: float, y2: float, *, stroke: str = "#52606d",
             width: float = 1.5, dash: str = "", marker: str = "") -> None:
        """A straight line."""
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        extra += f' marker-end="url(#{marker})"' if marker else ""
        self.add(f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" '
                 f'stroke="{stroke}" stroke-width="{num(width)}"{extra}/>')

    def path(self, d: str, *, stroke: str = "#52606d", width: float = 1.5, dash: str = "",
             marker: str = "", fill: str = "none") -> None:
        """A path."""
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        extra += f' marker-end="url(#{marker})"' if marker else ""
        self.add(f'<path d="{d}" fill="{fill}" stroke="{stroke}" stroke-width="{num(width)}"'
                 f"{extra}/>")

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str = "#ffffff",
             stroke: str = "#52606d", radius: float = 4, width: float = 1.2) -> None:
        """A rectangle."""
        self.add(f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" '
                 f'rx="{num(radius)}" fill="{fill}" stroke="{stroke}" '
                 f'stroke-width="{num(width)}"/>')

    def circle(self, x: float, y: float, r: float, *, fill: str, stroke: str = "#ffffff") -> None:
        """A circle."""
        self.add(f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" fill="{fill}" '
                 f'stroke="{stroke}" stroke-width="1.5"/>')

    def open_link(self, href: str | None, title: str) -> bool:
        """Start a link around the next elements (closed by close_link); False without href.
        The title is the full text, for labels the picture shortens."""
        if href is None:
            return False
        self.add(f'<a href="{esc(href)}"><title>{esc(title)}</title>')
        return True

    def close_link(self, opened: bool) -> None:
        """End the link open_link started."""
        if opened:
            self.add("</a>")

    def arrowhead(self, name: str, colour: str) -> None:
        """Define an arrowhead marker."""
        fill = colour
        self.defs.append(
            f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
            f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            f'fill="{fill}" stroke="{colour}" stroke-width="1"/></marker>')

    def render(self) -> str:
        """The SVG document, with <title>, <desc>, role and aria-label."""
        w, h = num(self.width), num(self.height)
        defs = f"<defs>{''.join(self.defs)}</defs>\n" if self.defs else ""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" role="img" aria-labelledby="title desc" '
            f'aria-label="{esc(self.title)}" font-family="{esc(FONT)}">\n'
            f'<title id="title">{esc(self.title)}</title>\n'
            f'<desc id="desc">{esc(self.description)}</desc>\n{defs}'
            f'<rect width="{w}" height="{h}" fill="#ffffff"/>\n'
            + "\n".join(self.parts) + "\n</svg>\n"
        )
