"""HTML building blocks: escaping, links, tables and the page frame. No JavaScript anywhere."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from ccbkg.site.links import relative

STYLESHEET = "style.css"


def esc(text: str) -> str:
    """Text made safe for HTML content and attribute values."""
    return escape(text, quote=True)


def link(href: str | None, text: str, *, title: str | None = None, cls: str | None = None) -> str:
    """A link with escaped text; plain text when there is nowhere to go."""
    return link_html(href, esc(text), title=title, cls=cls)


def link_html(href: str | None, inner: str, *, title: str | None = None,
              cls: str | None = None) -> str:
    """A link around HTML; external links are marked for the stylesheet."""
    extra = f' title="{esc(title)}"' if title else ""
    classes = [cls] if cls else []
    if href is None:
        return f'<span{extra}{_cls(classes)}>{inner}</span>' if extra or classes else inner
    if href.startswith(("http://", "https://")):
        classes.append("ext")
    return f'<a href="{esc(href)}"{extra}{_cls(classes)}>{inner}</a>'


def _cls(classes: list[str]) -> str:
    return f' class="{" ".join(classes)}"' if classes else ""


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, caption: str | None = None,
          cls: str = "data") -> str:
    """A table; headers are text, cells are HTML. Wrapped so that it scrolls on a phone."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="scroll"><table class="{cls}">{cap}<thead><tr>{head}</tr></thead>\n'
            f"<tbody>\n{body}</tbody></table></div>\n")


def dl(pairs: Iterable[tuple[str, str]]) -> str:
    """A description list from (term text, definition HTML) pairs; empty ones are left out."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>\n" for k, v in pairs if v)
    return f'<dl class="props">\n{items}</dl>\n' if items else ""


def ul(items: Iterable[str], cls: str | None = None) -> str:
    """A bulleted list of HTML items (nothing when empty)."""
    lis = "".join(f"<li>{i}</li>\n" for i in items)
    return f"<ul{_cls([cls] if cls else [])}>\n{lis}</ul>\n" if lis else ""


def figure(src: str, alt: str, caption: str, *, width: int, height: int) -> str:
    """A diagram as an image with alt text and a caption."""
    return (f'<figure class="diagram"><img src="{esc(src)}" alt="{esc(alt)}" width="{width}" '
            f'height="{height}">\n<figcaption>{esc(caption)}</figcaption></figure>\n')


@dataclass(frozen=True)
class Page:
    """One HTML page: its site path, title and main content (which starts with its h1)."""

    path: str
    title: str
    body: str
    head: str = ""
    description: str = ""


@dataclass(frozen=True)
class Frame:
    """What every page shares: site name, navigation and footer."""

    site_name: str
    nav: tuple[tuple[str, str], ...]  # (site path, label)
    footer: str  # HTML without links
    footer_links: tuple[tuple[str, str], ...] = ()  # (site path or web address, label)

    def render(self, page: Page) -> bytes:
        """The whole HTML document of a page."""
        def rel(target: str) -> str:
            return relative(page.path, target)

        nav = "".join(
            f'<li><a href="{esc(rel(target))}"'
            f'{" aria-current=" + chr(34) + "page" + chr(34) if target == page.path else ""}>'
            f"{esc(label)}</a></li>" for target, label in self.nav)
        links = " · ".join(
            link(target if target.startswith(("http://", "https://")) else rel(target), label)
            for target, label in self.footer_links)
        footer = self.footer + (f"<br>{links}" if links else "")
        description = (f'<meta name="description" content="{esc(page.description)}">\n'
                       if page.description else "")
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(page.title)} · {esc(self.site_name)}</title>\n{description}"
            f'<link rel="stylesheet" href="{esc(rel(STYLESHEET))}">\n{page.head}'
            "</head>\n<body>\n"
            '<a class="skip" href="#main">Skip to content</a>\n'
            f'<header class="site"><nav aria-label="Site"><ul>{nav}</ul></nav></header>\n'
            f'<main id="main">\n{page.body}</main>\n'
            f'<footer class="site">{footer}</footer>\n'
            "</body>\n</html>\n"
        ).encode()
