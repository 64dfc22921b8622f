"""HTML building blocks and the page frame, through Jinja2 templates that escape by default.

Every piece of HTML is `Markup`: templates (templates/*.html) and `html()` fragments escape
each value that is not Markup already, so text from the graph can never become markup. No
JavaScript anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup, escape

from ccbkg.site.links import relative

STYLESHEET = "style.css"


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("ccbkg.site", "templates"), autoescape=True,
                       undefined=StrictUndefined, keep_trailing_newline=True,
                       auto_reload=False)  # (else each use of a template reads its file's time)


def template(name: str) -> Template:
    """A template of the site (templates/NAME), autoescaping."""
    return _environment().get_template(name)


def _blocks() -> Any:
    return template("blocks.html").module


def html(fragment: str, *args: object, **kwargs: object) -> Markup:
    """A fragment of HTML with {} placeholders (no format specifications): each value is
    escaped unless it is Markup. (What `Markup.format` does, without its Python-level
    formatter, which took a fifth of the site's time.)"""
    return Markup(fragment.format(*map(_escaped, args),
                                  **{k: _escaped(v) for k, v in kwargs.items()}))


def _escaped(value: object) -> str:
    """Markup as it is (escape would copy it), anything else escaped."""
    return value if isinstance(value, Markup) else escape(value)


def join(items: Iterable[str], sep: str = "") -> Markup:
    """Pieces joined into one fragment; plain text among them is escaped (sep is HTML)."""
    return Markup(sep.join(map(_escaped, items)))


def link(href: str | None, text: object, *, title: str | None = None,
         cls: str | None = None) -> Markup:
    """A link around text (escaped) or Markup; plain content when there is nowhere to go.
    External links are marked for the stylesheet."""
    classes = [cls] if cls else []
    if href is None:
        if not title and not classes:
            return html("{}", text)
        fragment, args, end = "<span", [], ">{}</span>"
    else:
        if href.startswith(("http://", "https://")):
            classes.append("ext")
        fragment, args, end = '<a href="{}"', [href], ">{}</a>"
    if title:
        fragment += ' title="{}"'
        args.append(title)
    if classes:
        fragment += ' class="{}"'
        args.append(" ".join(classes))
    return html(fragment + end, *args, text)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *,
          caption: str | None = None, cls: str = "data") -> Markup:
    """A table (cells are escaped unless Markup); on a phone each row becomes a card whose
    cells are labelled by their column."""
    return Markup(_blocks().table(list(headers), [list(r) for r in rows], caption, cls))


def dl(pairs: Iterable[tuple[str, object]]) -> Markup:
    """A description list from (term, definition) pairs; empty ones are left out."""
    return Markup(_blocks().dl([(k, v) for k, v in pairs if v]))


def ul(items: Iterable[object], cls: str | None = None) -> Markup:
    """A bulleted list (nothing when empty)."""
    return Markup(_blocks().ul(list(items), cls))


def figure(src: str, alt: str, caption: str, *, width: int, height: int) -> Markup:
    """A diagram as an image with alt text and a caption, linked to the full-size SVG."""
    return Markup(_blocks().figure(src, alt, caption, width, height))


@dataclass(frozen=True)
class Page:
    """One HTML page: its site path, title and main content (which starts with its h1)."""

    path: str
    title: str
    body: Markup
    head: Markup = field(default_factory=Markup)
    description: str = ""


@dataclass(frozen=True)
class Frame:
    """What every page shares: site name, navigation and footer."""

    site_name: str
    nav: tuple[tuple[str, str], ...]  # (site path, label)
    footer: Markup
    footer_links: tuple[tuple[str, str], ...] = ()  # (site path or web address, label)
    within: tuple[tuple[str, str], ...] = ()  # (folder, the navigation's page for its pages)

    def render(self, page: Page) -> bytes:
        """The whole HTML document of a page."""
        def rel(target: str) -> str:
            if target.startswith(("http://", "https://")):
                return target
            return relative(page.path, target)

        current = next((t for folder, t in self.within if page.path.startswith(folder)),
                       page.path)
        return template("page.html").render(
            page=page, frame=self, rel=rel, stylesheet=STYLESHEET, current=current,
            footer_links=[(rel(t), label) for t, label in self.footer_links]).encode()
