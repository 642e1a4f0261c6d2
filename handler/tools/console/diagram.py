"""The flow as a diagram (SVG): a box for every node, labelled with its id and its text in
one language, an arrow for every choice and route, outcomes and the arrows into them
coloured by disposition, and one box for the emergency checks read in every message.

Laid out by grandalf's Sugiyama (layered) layout, in pure Python: no dot binary to install
and nothing fetched at run time. Each box links to #node-<id>, where the console shows the
node's choices, the emergency checks and the words of each concept."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from html import escape

from handler.core.disposition import Disposition
from handler.core.flow import Flow
from handler.core.nodes import MessageNode, OutcomeNode, QuestionNode, RouteNode

CHECKS_NODE = "emergency_checks"       # not a flow node: the checks every message goes through
COLOURS = {Disposition.EMERGENCY: "#b3261e", Disposition.URGENT: "#b35900",
           Disposition.ROUTINE: "#1f5fa8", Disposition.SELF_CARE: "#1d7a3a", None: "#5c5c5c"}
PLAIN_EDGE = "#4a4a4a"
BOX_WIDTH = 270
LINE_HEIGHT = 15
CHARS_PER_LINE = 42
TEXT_LINES = 4                          # of a node's text; the rest is in its details
MARGIN = 24


@dataclass
class Box:
    id: str
    kind: str                           # question, message, route, outcome, checks
    lines: list[str]
    disposition: Disposition | None = None
    x: float = 0.0                      # centre
    y: float = 0.0

    @property
    def height(self) -> float:
        return 14 + LINE_HEIGHT * (len(self.lines) + 1)

    @property
    def colour(self) -> str:
        return COLOURS[self.disposition] if self.kind == "outcome" else PLAIN_EDGE


@dataclass
class Arrow:
    source: str
    target: str
    labels: list[str]
    colour: str = PLAIN_EDGE
    red_flag: bool = False
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """'choice 1, 2, 5' for parallel choices, else the labels joined."""
        if len(self.labels) > 1 and all(label.startswith("choice ") for label in self.labels):
            return "choices " + ", ".join(label.removeprefix("choice ") for label in self.labels)
        return ", ".join(self.labels)


def wrapped(text: str, lines: int = TEXT_LINES) -> list[str]:
    shown = textwrap.wrap(" ".join(text.split()), CHARS_PER_LINE) or [""]
    if len(shown) > lines:
        shown = shown[:lines]
        shown[-1] = shown[-1][:CHARS_PER_LINE - 1].rstrip() + "…"
    return shown


def node_text(flow: Flow, node_id: str, lang: str) -> str:
    """A node's own words in one language (an outcome: its first part of advice)."""
    node = flow.nodes[node_id]
    if isinstance(node, QuestionNode | MessageNode):
        return node.text[lang]
    if isinstance(node, OutcomeNode):
        first = node.parts[0]
        return first.text[lang] if first.text is not None else flow.text(first.include or "", lang)
    return "goes on by the highest disposition so far"


def is_emergency(flow: Flow, node_id: str) -> bool:
    outcome = flow.outcome(node_id)
    return outcome is not None and outcome.disposition == Disposition.EMERGENCY


def boxes_and_arrows(flow: Flow, lang: str) -> tuple[list[Box], list[Arrow]]:
    boxes: list[Box] = []
    arrows: dict[tuple[str, str], Arrow] = {}

    def arrow(source: str, target: str, label: str, red_flag: bool = False) -> None:
        outcome = flow.outcome(target)
        colour = COLOURS[outcome.disposition] if outcome is not None else PLAIN_EDGE
        drawn = arrows.setdefault((source, target), Arrow(source, target, [], colour))
        drawn.labels.append(label)
        drawn.red_flag = drawn.red_flag or red_flag

    for node_id, node in flow.nodes.items():
        lines = wrapped(node_text(flow, node_id, lang))
        if isinstance(node, QuestionNode):
            lines += [textwrap.shorten(f"{n} {label}", CHARS_PER_LINE, placeholder="…")
                      for n, label in enumerate(node.labels(lang), 1)]
        kind = str(node.type)
        disposition = node.disposition if isinstance(node, OutcomeNode) else None
        if isinstance(node, OutcomeNode):
            lines.insert(0, f"[{disposition.value if disposition else 'out of scope'}]")
        boxes.append(Box(node_id, kind, lines, disposition))
        at_once = dict(node.leads_at_once()) if isinstance(node, QuestionNode) else {}
        red_targets = {target for target in at_once.values() if is_emergency(flow, target)}
        for label, target in node.edges():
            arrow(node_id, target, label, isinstance(node, QuestionNode) and target in red_targets)
        if isinstance(node, RouteNode):
            for drawn in (arrows[(node_id, t)] for t in set(node.by_disposition.values())):
                drawn.colour = COLOURS[max(
                    (d for d, t in node.by_disposition.items() if t == drawn.target), key=lambda d: d.rank)]
    if flow.emergency_checks:
        boxes.append(Box(CHECKS_NODE, "checks", ["read in every message, at every question:",
                                                 *(check.concept for check in flow.emergency_checks)]))
        for check in flow.emergency_checks:
            arrow(CHECKS_NODE, check.outcome, check.concept.split(".", 1)[-1], red_flag=True)
    return boxes, list(arrows.values())


def lay_out(boxes: list[Box], arrows: list[Arrow]) -> tuple[float, float]:
    """Place the boxes and route the arrows (grandalf, layer by layer from the start);
    returns the drawing's width and height."""
    from grandalf.graphs import Edge, Graph, Vertex
    from grandalf.layouts import SugiyamaLayout, VertexViewer
    from grandalf.routing import EdgeViewer, route_with_lines

    vertices = {box.id: Vertex(box) for box in boxes}
    for vertex in vertices.values():
        vertex.view = VertexViewer(BOX_WIDTH, vertex.data.height)
    edges = []
    for drawn in arrows:
        edge = Edge(vertices[drawn.source], vertices[drawn.target], data=drawn)
        edge.view = EdgeViewer()
        edges.append(edge)
    graph = Graph(list(vertices.values()), edges)
    left = 0.0
    for component in graph.C:
        layout = SugiyamaLayout(component)
        layout.xspace, layout.yspace = 40, 70
        layout.route_edge = route_with_lines
        roots = [v for v in component.sV if not v.e_in()]
        layout.init_all(roots=roots)
        layout.draw()
        xs = [v.view.xy[0] for v in component.sV]
        shift = left - min(xs) + BOX_WIDTH / 2
        for vertex in component.sV:
            vertex.data.x, vertex.data.y = vertex.view.xy[0] + shift, vertex.view.xy[1]
        for edge in component.sE:
            edge.data.points = [(x + shift, y) for x, y in edge.view._pts]
        left = max(v.data.x for v in component.sV) + BOX_WIDTH / 2 + 60
    top = min(box.y - box.height / 2 for box in boxes)
    dx, dy = MARGIN, MARGIN - top
    for box in boxes:
        box.x, box.y = box.x + dx, box.y + dy
    for drawn in arrows:
        drawn.points = [(x + dx, y + dy) for x, y in drawn.points]
    width = max(box.x + BOX_WIDTH / 2 for box in boxes) + MARGIN
    height = max(box.y + box.height / 2 for box in boxes) + MARGIN
    return width, height


STYLE = """
.box rect { fill: #fff; stroke-width: 1.5; }
.box.checks rect { stroke-dasharray: 6 3; fill: #fdf1f0; }
.box.outcome rect { stroke-width: 3; }
.box text { font: 12px sans-serif; fill: #1a1a1a; }
.box .id { font-weight: bold; }
.box a:focus rect, .box a:hover rect { stroke-width: 4; }
.arrow path { fill: none; stroke-width: 1.4; }
.arrow.red-flag path { stroke-width: 2.6; }
.arrow text { font: 11px sans-serif; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
"""


def render_svg(flow: Flow, lang: str) -> str:
    """The whole diagram as one SVG document (styles inside, so it stands alone)."""
    boxes, arrows = boxes_and_arrows(flow, lang)
    width, height = lay_out(boxes, arrows)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" role="img" '
           f'aria-labelledby="diagram-title" class="flow-diagram">',
           f'<title id="diagram-title">{escape(flow.title[lang])}: flow {escape(flow.id)} {escape(flow.version)} '
           f'({lang}), {len(flow.nodes)} nodes</title>', f"<style>{STYLE}</style>",
           '<defs>' + "".join(
               f'<marker id="head-{colour[1:]}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
               f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
               for colour in {*COLOURS.values(), PLAIN_EDGE}) + '</defs>']
    for drawn in arrows:
        path = " L".join(f"{x:.1f},{y:.1f}" for x, y in drawn.points)
        mid_x, mid_y = label_point(drawn.points)
        kind = "arrow red-flag" if drawn.red_flag else "arrow"
        out.append(f'<g class="{kind}" data-from="{escape(drawn.source)}" data-to="{escape(drawn.target)}">'
                   f'<title>{escape(drawn.source)} to {escape(drawn.target)}: {escape(drawn.label)}</title>'
                   f'<path d="M{path}" stroke="{drawn.colour}" marker-end="url(#head-{drawn.colour[1:]})"/>'
                   f'<text x="{mid_x:.1f}" y="{mid_y:.1f}" fill="{drawn.colour}" text-anchor="middle">'
                   f'{escape(drawn.label)}</text></g>')
    for box in boxes:
        x0, y0 = box.x - BOX_WIDTH / 2, box.y - box.height / 2
        texts = [f'<text class="id" x="{x0 + 8:.1f}" y="{y0 + 18:.1f}">{escape(box.id)}</text>']
        texts += [f'<text x="{x0 + 8:.1f}" y="{y0 + 18 + LINE_HEIGHT * n:.1f}">{escape(line)}</text>'
                  for n, line in enumerate(box.lines, 1)]
        out.append(f'<g class="box {box.kind}" id="box-{escape(box.id)}" data-node="{escape(box.id)}">'
                   f'<a href="#node-{escape(box.id)}" aria-label="{escape(box.kind)} {escape(box.id)}">'
                   f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{BOX_WIDTH}" height="{box.height:.1f}" rx="6" '
                   f'stroke="{box.colour}"/>{"".join(texts)}</a></g>')
    out.append("</svg>")
    return "\n".join(out)


def label_point(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Where an arrow's label goes: a third of the way along, clear of the boxes' edges."""
    if len(points) > 2:
        return points[1]
    (x0, y0), (x1, y1) = points[0], points[-1]
    return x0 + (x1 - x0) / 3, y0 + (y1 - y0) / 3
