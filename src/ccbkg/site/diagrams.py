"""The three pictures, drawn as SVG by deterministic layouts: the ontology's classes and
relations (layered), the agreements network (a hub and a circle) and the timeline (lanes)."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import OWL, URIRef
from rdflib.term import Node

from ccbkg.core.namespaces import CCB, RDF, RDFS
from ccbkg.site.svg import Svg, num, text_width
from ccbkg.site.view import Dated, View, curie, sort_key

Box = tuple[float, float, float, float]  # x, y, width, height
Href = Callable[[Node], str | None]  # where a node's link goes from the diagrams folder
THING = URIRef(str(OWL.Thing))
BLUE, GREEN, ORANGE, GREY, INK = "#1d4ed8", "#166534", "#b45309", "#6b7280", "#1f2933"
PALE_BLUE = "#bfdbfe"


@dataclass(frozen=True)
class Drawing:
    """An SVG and its size."""

    svg: str
    width: int
    height: int


def _drawing(svg: Svg) -> Drawing:
    return Drawing(svg.render(), math.ceil(svg.width), math.ceil(svg.height))


# ---------------------------------------------------------------------------- ontology


@dataclass
class ClassBox:
    """A class in the diagram: its name, superclasses, and relations drawn as text rows."""

    name: str
    own: bool
    supers: list[str]
    rows: list[str]
    term: Node


def class_graph(view: View) -> tuple[dict[Node, ClassBox], dict[tuple[Node, Node], list[str]]]:
    """The classes that ccb: object properties link, and those links.

    A property from a class to a ccb class is an arrow; one to a reused class (prov:Agent,
    skos:Concept, ...) is a row "property → range" in its box, so that hubs do not tangle the
    picture. A sub-property with the same domain and range as its parent, and an inverse, are
    left out; properties of any node go into an "any node" box."""
    boxes: dict[Node, ClassBox] = {}
    arrows: dict[tuple[Node, Node], list[str]] = defaultdict(list)

    def name(n: Node) -> str:
        if n == THING:
            return "any node"
        return str(n)[len(str(CCB)):] if str(n).startswith(str(CCB)) else curie(n)

    def box(n: Node) -> ClassBox:
        if n not in boxes:
            supers = [name(s) for s in view.supers(n)] if n != THING else []
            boxes[n] = ClassBox(name(n), str(n).startswith(str(CCB)), sorted(supers), [], n)
        return boxes[n]

    def ends(p: Node) -> set[tuple[Node, Node]]:
        domains = [m for d in view.objects(p, RDFS.domain) for m in view.members(d)] or [THING]
        ranges = [m for r in view.objects(p, RDFS.range) for m in view.members(r)] or [THING]
        return {(d, r) for d in domains for r in ranges}

    for p in sorted(view.subjects(RDF.type, OWL.ObjectProperty), key=sort_key):
        if not str(p).startswith(str(CCB)) or view.objects(p, OWL.inverseOf):
            continue
        pairs = ends(p)
        if any(pairs == ends(q) for q in view.objects(p, RDFS.subPropertyOf)):
            continue
        local = str(p)[len(str(CCB)):]
        for d, r in sorted(pairs, key=lambda dr: (sort_key(dr[0]), sort_key(dr[1]))):
            if d != THING and d != r and str(r).startswith(str(CCB)):
                box(d)
                box(r)
                arrows[(d, r)].append(local)
            else:
                box(d).rows.append(f"{local} → {name(r)}")
    for b in boxes.values():
        b.rows.sort()
    return boxes, {k: sorted(v) for k, v in arrows.items()}


def _layers(nodes: list[Node], edges: list[tuple[Node, Node]]) -> dict[Node, int]:
    """Longest-path layers (Kahn's order; a cycle is broken at its smallest node)."""
    preds: dict[Node, set[Node]] = {n: set() for n in nodes}
    for a, b in edges:
        if a != b:
            preds[b].add(a)
    layer: dict[Node, int] = {}
    remaining = set(nodes)
    while remaining:
        ready = sorted((n for n in remaining if not (preds[n] & remaining)), key=sort_key)
        if not ready:
            ready = [min(remaining, key=sort_key)]
        for n in ready:
            layer[n] = max((layer[p] + 1 for p in preds[n] if p in layer), default=0)
            remaining.discard(n)
    return layer


ROW_H, HEAD_H, PAD = 15.0, 22.0, 7.0


def _box_size(b: ClassBox) -> tuple[float, float]:
    lines = [text_width(b.name, 13.5, bold=True)] + [text_width(r, 11) for r in b.rows]
    if b.supers:
        lines.append(text_width("⊑ " + ", ".join(b.supers), 10.5))
    height = HEAD_H + (13 if b.supers else 0) + ROW_H * len(b.rows) + PAD
    return max(lines) + 2 * PAD + 6, height


def ontology_diagram(view: View, href: Href) -> Drawing:
    """Classes as boxes (superclasses and relations to reused classes inside), arrows for
    relations between ccb classes; linked classes in layers, the others in a grid below."""
    boxes, arrows = class_graph(view)
    linked = sorted({n for pair in arrows for n in pair}, key=lambda n: boxes[n].name)
    others = sorted((n for n in boxes if n not in linked),
                    key=lambda n: (n == THING, not boxes[n].own, boxes[n].name))
    size = {n: _box_size(b) for n, b in boxes.items()}
    layer = _layers(linked, list(arrows))
    rows: dict[int, list[Node]] = defaultdict(list)
    for n in linked:
        rows[layer[n]].append(n)
    neighbours: dict[Node, list[Node]] = defaultdict(list)
    for a, b in arrows:
        if a != b:
            neighbours[a].append(b)
            neighbours[b].append(a)
    for _ in range(6):  # barycentre sweeps, ties by name
        pos = {n: i for row in rows.values() for i, n in enumerate(row)}
        for r in sorted(rows):
            rows[r].sort(key=lambda n: (sum(pos[m] for m in neighbours[n]) / len(neighbours[n])
                                        if neighbours[n] else pos[n], boxes[n].name))
            pos.update({n: i for i, n in enumerate(rows[r])})
    gap_x, gap_y, margin, top = 40.0, 70.0, 20.0, 48.0
    row_w = {r: sum(size[n][0] for n in rows[r]) + gap_x * (len(rows[r]) - 1) for r in rows}
    grid_w = 1100.0
    total_w = max([*row_w.values(), grid_w]) + 2 * margin
    place: dict[Node, Box] = {}
    y = top
    for r in sorted(rows):
        x = (total_w - row_w[r]) / 2
        row_h = max(size[n][1] for n in rows[r])
        for n in rows[r]:
            place[n] = (x, y, *size[n])
            x += size[n][0] + gap_x
        y += row_h + gap_y
    grid_top = y - gap_y / 2 + 30
    x, y, line_h = margin, grid_top + 22, 0.0
    for n in others:
        w, h = size[n]
        if x + w > total_w - margin:
            x, y, line_h = margin, y + line_h + 18, 0.0
        place[n] = (x, y, w, h)
        x += w + 18
        line_h = max(line_h, h)
    height = y + line_h + margin + 22
    svg = Svg(total_w, height, "The ccb ontology: main classes and relations",
              "Each box is a class, with its superclasses (⊑) and the properties that link it to "
              "reused classes (property → class). Arrows are properties between ccb classes, "
              "labelled with the property name. Boxes below the line have no arrows.")
    svg.arrowhead("rel", INK)
    svg.text(margin, 28, "Main classes and relations of the ccb ontology", size=16, weight="bold")
    svg.line(margin, grid_top, total_w - margin, grid_top, stroke="#d9e2ec", width=1)
    svg.text(margin, grid_top + 16, "Classes linked only to reused classes or literals",
             size=11.5, fill=GREY)
    taken: list[Box] = list(place.values())
    edges = [(_route(place[a], place[b], taken), ", ".join(names))
             for (a, b), names in sorted(arrows.items(), key=lambda kv: (
                 boxes[kv[0][0]].name, boxes[kv[0][1]].name))]
    curves = [[q for curve in route for q in _points(curve)] for route, _ in edges]
    for route, _ in edges:
        svg.path(f"M{num(route[0][0][0])},{num(route[0][0][1])} " + " ".join(
            f"C{num(c1[0])},{num(c1[1])} {num(c2[0])},{num(c2[1])} {num(end[0])},{num(end[1])}"
            for _, c1, c2, end in route), stroke=INK, marker="rel")
    for (_, label), points in zip(edges, curves, strict=True):
        _label(svg, points, label, taken, curves)
    for n, cb in sorted(boxes.items(), key=lambda kv: kv[1].name):
        opened = svg.open_link(href(n), f"{cb.name}: its definition")
        _class_box(svg, place[n], cb)
        svg.close_link(opened)
    svg.text(margin, height - 12, "Blue: ccb classes; grey: reused classes (W3C ORG, PROV-O, "
             "SKOS, schema.org). ⊑ = subclass of. Datatype properties are on the reference page.",
             size=11, fill=GREY)
    return _drawing(svg)


def _class_box(svg: Svg, at: Box, b: ClassBox) -> None:
    x, y, w, h = at
    stroke, fill = (BLUE, "#eef2ff") if b.own else (GREY, "#f3f4f6")
    svg.rect(x, y, w, h, fill="#ffffff", stroke=stroke, width=1.4)
    svg.rect(x, y, w, HEAD_H, fill=fill, stroke=stroke, width=1.4)
    svg.text(x + PAD, y + 15.5, b.name, size=13.5, weight="bold")
    ty = y + HEAD_H
    if b.supers:
        svg.text(x + PAD, ty + 11.5, "⊑ " + ", ".join(b.supers), size=10.5, fill=GREY)
        ty += 13
    for row in b.rows:
        svg.text(x + PAD, ty + 12, row, size=11, fill="#374151")
        ty += ROW_H


Point = tuple[float, float]
Curve = tuple[Point, Point, Point, Point]  # a cubic Bézier: start, two controls, end


def _route(a: Box, b: Box, boxes: list[Box]) -> list[Curve]:
    """An arrow between two boxes: an arc within a row; down or up between rows, one curve
    where it passes no other box, else down (or up) through the nearest gap of each row it
    passes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    x1, x2 = ax + aw / 2, bx + bw / 2
    if by == ay:
        lift = 40 + abs(x2 - x1) / 8
        return [((x1, ay), (x1, ay - lift), (x2, ay - lift), (x2, by))]
    y1, y2 = (ay + ah, by) if by > ay else (ay, by + bh)
    others = [box for box in boxes if box not in (a, b)]
    direct = _s_curve((x1, y1), (x2, y2))
    if not any(_inside(q, box) for q in _points(direct) for box in others):
        return [direct]
    passed = sorted({box[1] for box in others if min(y1, y2) < box[1] < max(y1, y2)},
                    reverse=y2 < y1)
    stops = [(x1, y1)]
    for top in passed:
        row = sorted(box for box in others if box[1] == top)
        bottom = max(box[1] + box[3] for box in row)
        mid = (top + bottom) / 2
        x = min(_points(direct), key=lambda q: abs(q[1] - mid))[0]
        gaps = [row[0][0] - 20, *((left[0] + left[2] + right[0]) / 2
                                  for left, right in itertools.pairwise(row)),
                row[-1][0] + row[-1][2] + 20]
        gx = min(gaps, key=lambda g: abs(g - x))
        stops += [(gx, top), (gx, bottom)] if y2 > y1 else [(gx, bottom), (gx, top)]
    stops.append((x2, y2))
    return [_s_curve(p, q) for p, q in itertools.pairwise(stops)]


def _s_curve(p: Point, q: Point) -> Curve:
    """A curve from p to q that leaves and arrives vertically."""
    dy = (q[1] - p[1]) / 2
    return p, (p[0], p[1] + dy), (q[0], q[1] - dy), q


def _points(curve: Curve, step: float = 2.0) -> list[Point]:
    """Points along the curve at most about `step` apart (for the labels to keep clear of)."""
    rough = sum(math.dist(curve[i], curve[i + 1]) for i in range(3))  # at least the length
    count = max(2, math.ceil(rough / step))
    return [_bezier(*curve, i / count) for i in range(count + 1)]


def _label(svg: Svg, own: list[Point], text: str, taken: list[Box],
           curves: list[list[Point]]) -> None:
    """An arrow's label beside its own curve, clear of every box, label and curve; the first
    such place from the curve's middle outwards (tried along the curve, right, left, above and
    below it)."""
    if not text:
        return
    w, h = text_width(text, 11) + 4, 15.0
    places = ((px + gap, py - h / 2, w, h) if side == 0 else (px - gap - w, py - h / 2, w, h)
              if side == 1 else (px - w / 2, py - gap - h, w, h) if side == 2
              else (px - w / 2, py + gap, w, h)
              for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88)
              for px, py in [own[round(t * (len(own) - 1))]]
              for gap in (4.0, 12.0, 24.0) for side in range(4))
    best = next((box for box in places if not any(_overlap(box, other) for other in taken)
                 and not any(_inside(q, box) for points in curves for q in points)), None)
    if best is None:  # nowhere clear: on the curve's middle, with a halo
        mx, my = own[len(own) // 2]
        best = (mx - w / 2, my - h / 2, w, h)
    taken.append(best)
    x, y, _, _ = best
    svg.text(x + w / 2, y + 11, text, size=11, anchor="middle", fill="#374151", halo=True,
             cls="rel")


def _inside(p: Point, box: Box, margin: float = 2.0) -> bool:
    return box[0] - margin < p[0] < box[0] + box[2] + margin \
        and box[1] - margin < p[1] < box[1] + box[3] + margin


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point, t: float) -> Point:
    u = 1 - t
    return (u ** 3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t ** 3 * p3[0],
            u ** 3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t ** 3 * p3[1])


# ---------------------------------------------------------------------------- agreements


@dataclass(frozen=True)
class Link:
    """One agreement between two parties."""

    a: Node
    b: Node
    status: str  # the status concept's label ("" when none)
    date: str
    label: str


def agreement_links(view: View, agreements: list[Node]) -> list[Link]:
    """Each pair of parties of each agreement."""
    out = []
    for ag in agreements:
        parties = sorted(set(view.objects(ag, CCB.party)) | set(view.objects(ag, CCB.signatory)),
                         key=sort_key)
        status = view.value(ag, CCB.agreementStatus)
        date = view.date(ag)
        for i, a in enumerate(parties):
            for b in parties[i + 1:]:
                out.append(Link(a, b, view.label(status) if status is not None else "",
                                date.value if date else "", view.label(ag)))
    return out


def network_diagram(view: View, agreements: list[Node], title: str,
                    href: Href) -> Drawing | None:
    """Who has an agreement with whom: the party with most agreements in the centre, the others
    on a circle; solid lines signed, dashed under negotiation; a legend below."""
    links = agreement_links(view, agreements)
    if not links:
        return None
    degree: dict[Node, int] = defaultdict(int)
    for link in links:
        degree[link.a] += 1
        degree[link.b] += 1
    hub = min(degree, key=lambda n: (-degree[n], view.label(n), sort_key(n)))
    status_of: dict[Node, str] = {}
    for link in links:
        other = link.b if link.a == hub else link.a
        status_of.setdefault(other, link.status)
    ring = sorted((n for n in degree if n != hub),
                  key=lambda n: (status_of.get(n, "~"), view.label(n).lower(), sort_key(n)))
    radius = max(150.0, 26.0 * len(ring) / math.pi)
    label_room = max((text_width(_short(view.label(n)), 12) for n in ring), default=80) + 24
    cx, cy = radius + label_room + 20, radius + 70
    width = 2 * cx
    statuses = sorted({link.status for link in links})
    height = cy + radius + 60 + 22 * len(statuses)
    where: dict[Node, tuple[float, float]] = {hub: (cx, cy)}
    for i, n in enumerate(ring):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(ring), 1)
        where[n] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    svg = Svg(width, height, title,
              f"{len(agreements)} agreements between {len(degree)} parties. "
              + "; ".join(f"{view.label(link.a)} and {view.label(link.b)}: "
                          f"{link.status or 'status not given'}"
                          f"{', ' + link.date if link.date else ''}" for link in links) + ".")
    svg.text(20, 28, title, size=15, weight="bold")
    for link in sorted(links, key=lambda k: (k.status, sort_key(k.a), sort_key(k.b))):
        (x1, y1), (x2, y2) = where[link.a], where[link.b]
        colour, dash, w = _status_style(link.status)
        svg.line(x1, y1, x2, y2, stroke=colour, width=w, dash=dash)
        if link.date:
            svg.text((x1 + x2) / 2, (y1 + y2) / 2 - 4, link.date, size=11, anchor="middle",
                     fill=colour, weight="bold", halo=True)
    for n, (x, y) in sorted(where.items(), key=lambda kv: sort_key(kv[0])):
        opened = svg.open_link(href(n), view.label(n))
        _party(svg, view, n, (x, y), hub=n == hub, right=x >= cx - 1)
        svg.close_link(opened)
    ly = cy + radius + 46
    for status in statuses:
        colour, dash, w = _status_style(status)
        svg.line(20, ly - 4, 70, ly - 4, stroke=colour, width=w, dash=dash)
        svg.text(80, ly, status or "Status not given", size=12)
        ly += 22
    svg.circle(width - 190, cy + radius + 42, 7, fill=BLUE)
    svg.text(width - 176, cy + radius + 46, "country", size=12)
    svg.rect(width - 197, cy + radius + 57, 14, 14, fill="#7c3aed", stroke="#ffffff", radius=2)
    svg.text(width - 176, cy + radius + 68, "organisation (e.g. a CERT)", size=12)
    return _drawing(svg)


def _party(svg: Svg, view: View, n: Node, at: tuple[float, float], *, hub: bool,
           right: bool) -> None:
    """A party: a circle for a country, a square for an organisation, and its name."""
    x, y = at
    if view.is_a(n, CCB.Country):
        svg.circle(x, y, 12 if hub else 8, fill=BLUE)
    else:
        svg.rect(x - 8, y - 8, 16, 16, fill="#7c3aed", stroke="#ffffff", radius=2)
    label = _short(view.label(n))
    if hub:
        svg.text(x, y + 30, label, size=13, anchor="middle", weight="bold", halo=True)
    else:
        svg.text(x + (14 if right else -14), y + 4, label, size=12,
                 anchor="start" if right else "end", halo=True)


def _status_style(status: str) -> tuple[str, str, float]:
    low = status.lower()
    if "negotiat" in low:
        return ORANGE, "8 6", 2.5
    if "sign" in low:
        return GREEN, "", 3.0
    return GREY, "2 4", 2.0


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class Event:
    """A dated fact on the timeline."""

    date: Dated
    label: str
    lane: str
    node: Node


def timeline_diagram(events: list[Event], lanes: list[str], title: str,
                     href: Href) -> Drawing | None:
    """One lane per country; each fact at its date with its label, stacked when they would
    overlap: a dot for a day, a bar over the year or month for a date given only so far; a
    year axis at the bottom."""
    if not events:
        return None
    first = min(e.date.year for e in events)
    last = max(e.date.year for e in events) + 1
    left, right_pad, width = 130.0, 30.0, 980.0
    span = width - left - right_pad

    def x_of(year: int, fraction: float) -> float:
        return left + (year - first + fraction) / (last - first) * span

    placed: list[tuple[str, float, float, int, Event, bool]] = []  # lane, from, to, row, event,
    lane_rows: dict[str, int] = {}                                 # text right
    by_lane: dict[str, list[Event]] = {}
    for e in events:
        by_lane.setdefault(e.lane, []).append(e)
    for lane in lanes:
        ends = Rows()
        for e in sorted(by_lane.get(lane, []), key=lambda e: (e.date.sort_key, e.label)):
            start, end = (x_of(e.date.year, f) for f in e.date.extent)
            w = text_width(_event_text(e), 11.5) + 12
            right = end + w <= left + span + right_pad
            a, b = (start - 6, end + w) if right else (start - w, end + 6)
            row = ends.first_free(a)
            ends.set(row, b + 8)
            placed.append((lane, start, end, row, e, right))
        lane_rows[lane] = max(ends.count, 1)
    row_h, top = 20.0, 52.0
    lane_top: dict[str, float] = {}
    y = top
    for lane in lanes:
        lane_top[lane] = y
        y += lane_rows[lane] * row_h + 24
    height = y + 40
    svg = Svg(width, height, title,
              "Dated facts by country, oldest on the left: "
              + "; ".join(f"{e.date.value} {e.label} ({e.lane})"
                          for e in sorted(events, key=lambda e: (e.date.sort_key, e.lane,
                                                                 e.label))) + ".")
    svg.text(20, 28, title, size=15, weight="bold")
    axis_y = y + 4
    step = 1 if last - first <= 20 else 5
    for year in range(first, last + 1):
        if (year - first) % step:
            continue
        x = left + (year - first) / (last - first) * span
        svg.line(x, top - 8, x, axis_y, stroke="#e5e7eb", width=1)
        svg.text(x, axis_y + 18, str(year), size=11.5, anchor="middle", fill=GREY)
    svg.line(left, axis_y, left + span, axis_y, stroke=GREY, width=1)
    for i, lane in enumerate(lanes):
        ly = lane_top[lane]
        h = lane_rows[lane] * row_h + 12
        if i % 2 == 0:
            svg.rect(8, ly - 6, width - 16, h, fill="#f8fafc", stroke="#f8fafc", radius=0)
        svg.text(16, ly + 12, lane, size=13, weight="bold")
        if lane not in by_lane:
            svg.text(left, ly + 12, "no dated facts in the source", size=11.5, fill=GREY)
    for lane, start, end, row, e, right in placed:
        ly = lane_top[lane] + row * row_h + 8
        opened = svg.open_link(href(e.node), f"{e.date.value} {e.label}")
        if end > start:  # a year or a month: a bar over the time the date may be
            svg.rect(start, ly - 4, end - start, 8, fill=PALE_BLUE, stroke=BLUE, radius=4,
                     width=1)
        else:
            svg.circle(start, ly, 5, fill=BLUE)
        svg.text(end + 10 if right else start - 10, ly + 4, _event_text(e), size=11.5,
                 anchor="start" if right else "end", halo=True)
        svg.close_link(opened)
    return _drawing(svg)


class Rows:
    """The rows of a lane, each with where its last label ends: the first row free at x found
    in a min-tree over the rows (a scan of every row for every label is quadratic at scale)."""

    def __init__(self) -> None:
        self.count = 0  # rows in use
        self.size = 1  # leaves of the tree
        self.tree = [math.inf, math.inf]  # tree[1] the root, leaves from tree[size]

    def first_free(self, x: float) -> int:
        """The lowest row whose last label ends at or before x (else a new row)."""
        if self.tree[1] > x:
            return self.count
        i = 1
        while i < self.size:
            i = 2 * i if self.tree[2 * i] <= x else 2 * i + 1
        return i - self.size

    def set(self, row: int, end: float) -> None:
        """A label placed in row, ending at end."""
        if row >= self.size:
            leaves = self.tree[self.size:] + [math.inf] * self.size
            self.size *= 2
            self.tree = [math.inf] * self.size + leaves
            for i in range(self.size - 1, 0, -1):
                self.tree[i] = min(self.tree[2 * i], self.tree[2 * i + 1])
        self.count = max(self.count, row + 1)
        i = row + self.size
        self.tree[i] = end
        while i > 1:
            i //= 2
            self.tree[i] = min(self.tree[2 * i], self.tree[2 * i + 1])


def _event_text(e: Event) -> str:
    return f"{e.date.value} {_short(e.label, 46)}"
