"""The structure tree of a tagged PDF, and the marked content that fills it.

Nodes are made while the story is built, in the Document's order, so the tree's order is
the reading order whatever order the pages are drawn in (two columns, a table's cells).
While pages are drawn, `Marking` hands out marked-content ids (MCIDs) and records, for
each node, which page and MCID hold its content. `artifact` and `marked` write their
operators straight into a canvas's code; the rest knows nothing of ReportLab.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

INLINE_CALLBACK = "tag"  # the <onDraw name=...> that opens ("o<id>") or closes ("c") a node
HYPHEN_MARK = "hyphen"  # the <onDraw name=...> after a hyphen that breaking a long word added


class Node:
    """One structure element: a role (P, H1, Table, TD, Link ...), its attributes, and its
    kids in reading order: child nodes, marked content (page, MCID) and annotations."""

    __slots__ = ("role", "parent", "kids", "attrs", "id", "registry", "joined", "drawn",
                 "pending", "bbox")

    def __init__(self, role: str, parent: Node | None = None, inline: bool = False,
                 **attrs):
        self.role, self.parent, self.attrs = role, parent, attrs
        self.kids: list = []
        self.registry: list[Node] = parent.registry if parent is not None else []
        self.id = len(self.registry)
        self.registry.append(self)
        self.joined = not inline
        self.drawn = False
        self.pending: list[Node] = []  # inline children not drawn yet, in text order
        self.bbox: tuple[int, tuple[float, ...]] | None = None  # (page, box) of a figure,
        # a table: where it lies on the one page it is drawn on
        if parent is not None:
            (parent.pending if inline else parent.kids).append(self)

    def add(self, role: str, **attrs) -> Node:
        """A block child, placed after the children made before it."""
        return Node(role, self, **attrs)

    def inline_child(self, role: str, **attrs) -> Node:
        """A child inside this node's text (a link, a citation): it takes its place among
        this node's marked content when it is first drawn."""
        return Node(role, self, inline=True, **attrs)

    def place(self, page: int, box: tuple[float, float, float, float]) -> None:
        """Record where this element is drawn; one drawn on two pages has no box."""
        if self.bbox is None:
            self.bbox = (page, tuple(round(v, 2) for v in box))
        elif self.bbox[0] != page:
            self.bbox = (-1, ())

    def detach(self) -> None:
        """Leave the tree (a layout that was tried and replaced)."""
        if self.parent is not None and self in self.parent.kids:
            self.parent.kids.remove(self)
        self.parent = None

    def walk(self) -> list[Node]:
        """This node and every attached node below it, in reading order."""
        out, todo = [], [self]
        while todo:
            node = todo.pop()
            out.append(node)
            todo += [kid for kid in reversed(node.kids) if isinstance(kid, Node)]
        return out

    def __deepcopy__(self, memo) -> Node:  # flowables may be copied; their node is not
        return self

    def __copy__(self) -> Node:
        return self

    def __repr__(self) -> str:
        return f"<{self.role} #{self.id}>"


def table_rows(table: Node, rows: list[list], header_rows: int = 1,
               row_headers: bool = False) -> None:
    """Give each cell of a table (lists of cell contents) a TR in the table's THead or
    TBody, and a TH (heading its column, or with `row_headers` its row) or TD node; a
    cell's flowables take the node as their `struct`."""
    nodes = cell_nodes(table, [len(row) for row in rows], header_rows, row_headers)
    for row, row_nodes in zip(rows, nodes, strict=True):
        for cell, node in zip(row, row_nodes, strict=True):
            for flowable in cell if isinstance(cell, list | tuple) else (cell,):
                if hasattr(flowable, "struct"):
                    flowable.struct = node


def cell_nodes(table: Node, row_lengths: list[int], header_rows: int = 1,
               row_headers: bool = False) -> list[list[Node]]:
    """A table's TR, TH and TD nodes (see `table_rows`), made before its cells when a
    cell's text needs its node (a link inside it)."""
    head = table.add("THead") if header_rows else None
    body = table.add("TBody")
    nodes = []
    for r, length in enumerate(row_lengths):
        tr = (head if r < header_rows else body).add("TR")
        row = []
        for c in range(length):
            if r < header_rows:
                row.append(tr.add("TH", A={"O": "Table", "Scope": "Column"}))
            elif row_headers and c == 0:
                row.append(tr.add("TH", A={"O": "Table", "Scope": "Row"}))
            else:
                row.append(tr.add("TD"))
        nodes.append(row)
    return nodes


@dataclass
class Marking:
    """The state of marking while pages are drawn: which node owns new content, the MCIDs
    given out on the page being drawn, and the annotations that belong to links."""

    root: Node
    page: int = 0  # index of the page being drawn
    stack: list[Node] = field(default_factory=list)
    artifacts: int = 0  # depth of open Artifact sequences
    mcids: list[Node] = field(default_factory=list)  # on the page being drawn, by MCID
    pages: list[tuple[int, list[Node]]] = field(default_factory=list)  # (key, by MCID)
    annotations: list[tuple[int, str, Node]] = field(default_factory=list)  # (key, name, link)
    next_key: int = 0
    suspended: dict[int, list[Node]] = field(default_factory=dict)
    links: list[Node] = field(default_factory=list)
    text_owners: list[Node] = field(default_factory=list)  # the paragraphs being drawn

    @property
    def owner(self) -> Node | None:
        """The node new content belongs to, or None (no owner, or inside an Artifact)."""
        return self.stack[-1] if self.stack and not self.artifacts else None

    def begin(self, node: Node) -> str:
        """Operator that opens marked content for `node`, recording its new MCID."""
        mcid = len(self.mcids)
        self.mcids.append(node)
        node.kids.append((self.page, mcid))
        if not node.joined:
            node.parent.kids.append(node)
            node.parent.pending.remove(node)
            node.joined = True
        return f"/{node.role} <</MCID {mcid}>> BDC"

    def own(self, node: Node, label: Node | None = None) -> int:
        """Content drawn from now belongs to `node` (and first to its label, if any); an
        inline element left open at the end of an earlier part of it (a link split across
        pages) opens again. Returns the mark that `disown` takes."""
        base = len(self.stack)
        self.stack.append(node)
        self.text_owners.append(node)
        reopened = self.suspended.pop(node.id, None)
        if reopened:
            self.stack += reopened
        self.links = [n for n in reopened if n.role == "Link"] if reopened else []
        if label is not None:
            self.stack.append(label)
        return base

    def disown(self, base: int, label: Node | None = None) -> None:
        """The node's part is drawn; what is left open waits for its next part."""
        node = self.stack[base]
        if len(self.stack) > base + 1:
            left_open = [n for n in self.stack[base + 1:] if n is not label]
            if left_open:
                self.suspended[node.id] = left_open
        del self.stack[base:]
        self.text_owners.pop()
        node.drawn = True

    def end_label(self, label: Node | None) -> None:
        """The label (a list bullet) is drawn; what follows is the body."""
        if label is not None and self.stack and self.stack[-1] is label:
            self.stack.pop()

    def open_inline(self, node: Node) -> list[str]:
        """Operators that switch the open marked content to an inline child."""
        self.stack.append(node)
        if node.role == "Link":
            self.links.append(node)
        return ["EMC", self.begin(node)]

    def close_inline(self) -> list[str]:
        """Operators that end an inline child and go back to its parent's content."""
        self.stack.pop()
        return ["EMC", self.begin(self.stack[-1])] if self.stack else ["EMC"]

    def link_for(self, url: str) -> Node | None:
        """The link node, in the paragraph being drawn, that an annotation for `url` is for."""
        return next((n for n in reversed(self.links) if n.attrs.get("url") == url), None)

    def annotation(self, link: Node, name: str) -> int:
        """Record a link annotation; return its key in the parent tree."""
        key = self.next_key
        self.next_key += 1
        link.kids.append(("annot", self.page, name))
        self.annotations.append((key, name, link))
        return key

    def end_page(self) -> int:
        """Close the page being drawn; return its key in the parent tree."""
        key = self.next_key
        self.next_key += 1
        self.pages.append((key, self.mcids))
        self.mcids = []
        self.page += 1
        return key


# What each kind of artifact is, as Typst and PDF/UA's guidance type them: the page's
# running header and footer, a table header row printed again on a new page, and
# decoration (rules, backgrounds).
ARTIFACTS = {
    "Header": "/Artifact <</Type /Pagination /Subtype /Header /Attached [/Top]>> BDC",
    "Footer": "/Artifact <</Type /Pagination /Subtype /Footer /Attached [/Bottom]>> BDC",
    "Pagination": "/Artifact <</Type /Pagination>> BDC",
    "Layout": "/Artifact <</Type /Layout>> BDC",
}


@contextmanager
def _artifact(canvas, kind: str):
    canvas._code.append(ARTIFACTS[kind])
    canvas.marking.artifacts += 1
    try:
        yield
    finally:
        canvas.marking.artifacts -= 1
        canvas._code.append("EMC")


def artifact(canvas, kind: str = "Layout"):
    """Content drawn inside is an Artifact (nothing a reader needs read out) of `kind`
    (see ARTIFACTS); nested artifacts add nothing."""
    marking = getattr(canvas, "marking", None)
    if marking is None or marking.artifacts:
        return nullcontext()
    return _artifact(canvas, kind)


@contextmanager
def _marked(canvas, node: Node):
    canvas._code.append(canvas.marking.begin(node))
    try:
        yield
    finally:
        canvas._code.append("EMC")


def marked(canvas, node: Node | None):
    """Content drawn inside (an image, a form) is marked content of `node`."""
    marking = getattr(canvas, "marking", None)
    if marking is None or node is None or marking.artifacts:
        return nullcontext()
    return _marked(canvas, node)
