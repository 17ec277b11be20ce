"""Read a tagged PDF the way assistive technology does: marked content in the page
streams, the structure tree over it, and the order poppler reads it in.

These are our own checks for what the `pdfua` package leaves out: every painting operator
inside marked content or an Artifact, marked content that never crosses a text object, every
MCID reachable from the tree (and the parent tree pointing back), alt text on figures,
tagged link annotations, heading levels, and the reading order.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import unicodedata
from pathlib import Path

import pikepdf

from handouts.document import Callout, CiteRef, Document, Heading, ListBlock, Paragraph, Table
from handouts.library.citations import compress
from handouts.locale.messages import messages
from handouts.render.wording import callout_title, prepared_for_rows, reviewed_line

TEXT_SHOWING = {"Tj", "TJ", "'", '"'}
PAINTING = TEXT_SHOWING | {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "EI"}


def content_problems(path: Path) -> list[str]:
    """Painting outside marked content or an Artifact, unbalanced or badly nested marked
    content, and MCIDs inside MCIDs, on every page (and in the forms drawn unmarked)."""
    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            _check_stream(page, f"page {number}", False, problems, set())
    return problems


def _check_stream(owner, where: str, covered: bool, problems: list[str], seen: set) -> None:
    stack: list[tuple[bool, int]] = []  # (marks content: MCID or Artifact, BT depth at open)
    in_text = 0
    resources = (owner.obj if isinstance(owner, pikepdf.Page) else owner).get("/Resources", {})
    xobjects = resources.get("/XObject", {})
    for operands, operator in pikepdf.parse_content_stream(owner):
        op = str(operator)
        if op == "BT":
            in_text = 1
        elif op == "ET":
            if stack and stack[-1][1] == 1:
                problems.append(f"{where}: marked content begun in a text object ends after it")
            in_text = 0
        elif op in ("BDC", "BMC"):
            tag = str(operands[0])
            mcid = op == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and \
                "/MCID" in operands[1]
            if mcid and any(m for m, _ in stack):
                problems.append(f"{where}: an MCID inside marked content that already has one")
            stack.append((mcid or tag == "/Artifact", in_text))
        elif op == "EMC":
            if not stack:
                problems.append(f"{where}: EMC with no marked content open")
                continue
            if stack.pop()[1] != in_text:
                problems.append(f"{where}: marked content crosses a text object's BT/ET")
        elif op in PAINTING and not (covered or any(m for m, _ in stack)):
            if op == "Do":
                xobject = xobjects.get(str(operands[0]))
                if xobject is not None and xobject.get("/Subtype") == "/Form":
                    key = (where, str(operands[0]))
                    if key not in seen:
                        seen.add(key)
                        _check_stream(xobject, f"{where} form {operands[0]}", False,
                                      problems, seen)
                    continue
            problems.append(f"{where}: '{op}' outside marked content and Artifacts")
    if stack:
        problems.append(f"{where}: {len(stack)} marked-content sequence(s) left open")


def content_mcids(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    """(page index, MCID) of every marked-content sequence in the page streams."""
    found = set()
    for index, page in enumerate(pdf.pages):
        for operands, _ in pikepdf.parse_content_stream(page, "BDC"):
            if isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                found.add((index, int(operands[1].MCID)))
    return found


def structure_problems(path: Path) -> list[str]:
    """What is wrong with the structure tree and the catalog entries PDF/UA asks for."""
    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        problems += _catalog_problems(pdf)
        if "/StructTreeRoot" not in root:
            return problems + ["no StructTreeRoot"]
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
        walk = _Walk(pages)
        walk.visit(root.StructTreeRoot.K, root.StructTreeRoot, None)
        problems += walk.problems
        content = content_mcids(pdf)
        for item in sorted(content - set(walk.mcids)):
            problems.append(f"page {item[0] + 1} MCID {item[1]} is not in the structure tree")
        for item in sorted(set(walk.mcids) - content):
            problems.append(f"the tree names page {item[0] + 1} MCID {item[1]}, not on the page")
        problems += _parent_tree_problems(pdf, walk)
        problems += _annotation_problems(pdf, walk)
    return problems


def _catalog_problems(pdf: pikepdf.Pdf) -> list[str]:
    root, problems = pdf.Root, []
    if not (root.get("/MarkInfo") and root.MarkInfo.get("/Marked") is True):
        problems.append("MarkInfo/Marked is not true")
    if not str(root.get("/Lang", "")):
        problems.append("no /Lang")
    if root.get("/ViewerPreferences", {}).get("/DisplayDocTitle") is not True:
        problems.append("ViewerPreferences/DisplayDocTitle is not true")
    title = str(pdf.docinfo.get("/Title", ""))
    with pdf.open_metadata() as meta:
        if meta.get("pdfuaid:part") != "1":
            problems.append("XMP has no pdfuaid:part 1")
        if meta.get("dc:title") != title or not title:
            problems.append(f"XMP dc:title {meta.get('dc:title')!r} is not /Title {title!r}")
    return problems


class _Walk:
    """Walks the structure tree, collecting MCIDs, elements and problems."""

    def __init__(self, pages: dict):
        self.pages = pages
        self.mcids: dict[tuple[int, int], object] = {}
        self.objrs: dict[tuple, object] = {}
        self.problems: list[str] = []
        self.last_heading = 0

    def visit(self, kids, parent, page) -> None:
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, int):
                self._mcid(page, int(kid), parent)
            elif kid.get("/Type") == "/MCR":
                self._mcid(self.pages[kid.Pg.objgen], int(kid.MCID), parent)
            elif kid.get("/Type") == "/OBJR":
                self.objrs[kid.Obj.objgen] = parent
            else:
                self._element(kid, parent)

    def _mcid(self, page, mcid: int, elem) -> None:
        if page is None:
            self.problems.append(f"MCID {mcid} of {elem.get('/S')} has no page")
        elif (page, mcid) in self.mcids:
            self.problems.append(f"page {page + 1} MCID {mcid} is in the tree twice")
        self.mcids[(page, mcid)] = elem

    def _element(self, elem, parent) -> None:
        role = str(elem.S)
        if elem.get("/P") is None or elem.P.objgen != parent.objgen:
            self.problems.append(f"{role}: /P is not the element that holds it")
        if role == "/Figure" and not str(elem.get("/Alt", "")).strip():
            self.problems.append("a Figure has no /Alt")
        if role == "/TH" and "/Scope" not in elem.get("/A", {}):
            self.problems.append("a TH has no /Scope")
        if re.fullmatch(r"/H\d", role):
            level = int(role[2])
            if level > self.last_heading + 1:
                self.problems.append(f"heading level jumps from H{self.last_heading} to {role}")
            self.last_heading = level
        page = self.pages.get(elem.Pg.objgen) if "/Pg" in elem else None
        if "/K" in elem:
            self.visit(elem.K, elem, page)


def _parent_tree_problems(pdf: pikepdf.Pdf, walk: _Walk) -> list[str]:
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    problems = []
    for index, page in enumerate(pdf.pages):
        key = page.get("/StructParents")
        if key is None or int(key) not in tree:
            problems.append(f"page {index + 1} has no /StructParents in the parent tree")
            continue
        for mcid, elem in enumerate(tree[int(key)]):
            held = walk.mcids.get((index, mcid))
            if held is None or held.objgen != elem.objgen:
                problems.append(f"parent tree: page {index + 1} MCID {mcid} names the wrong "
                                "element")
    return problems


def _annotation_problems(pdf: pikepdf.Pdf, walk: _Walk) -> list[str]:
    problems = []
    for index, page in enumerate(pdf.pages):
        annots = page.get("/Annots") or []
        if annots and page.get("/Tabs") != "/S":
            problems.append(f"page {index + 1} has annotations but no /Tabs /S")
        for annot in annots:
            link = walk.objrs.get(annot.objgen)
            if link is None or str(link.S) != "/Link":
                problems.append(f"page {index + 1}: an annotation is not in a Link element")
            if not str(annot.get("/Contents", "")).strip():
                problems.append(f"page {index + 1}: a link annotation has no /Contents")
            if "/StructParent" not in annot:
                problems.append(f"page {index + 1}: a link annotation has no /StructParent")
    return problems


def tree_text(path: Path) -> list[str]:
    """The text of the structure tree in order, read by our own walk of the tree (pikepdf)
    over the text PDFium (Chrome's PDF engine) finds in each marked-content sequence."""
    with pikepdf.open(path) as pdf:
        walk = _Walk({page.objgen: i for i, page in enumerate(pdf.pages)})
        walk.visit(pdf.Root.StructTreeRoot.K, pdf.Root.StructTreeRoot, None)
    texts = _mcid_texts(path)
    return [texts.get(key, "") for key in walk.mcids]


def _mcid_texts(path: Path) -> dict[tuple[int, int], str]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    out: dict[tuple[int, int], str] = {}
    pdf = pdfium.PdfDocument(str(path))
    for index in range(len(pdf)):
        page = pdf[index]
        textpage = page.get_textpage()
        objects = [raw.FPDFPage_GetObject(page, i) for i in range(raw.FPDFPage_CountObjects(page))]
        for obj in objects:
            mcid = raw.FPDFPageObj_GetMarkedContentID(obj)
            if mcid >= 0:
                out[(index, mcid)] = out.get((index, mcid), "") + _object_text(obj, textpage)
    return out


def _object_text(obj, textpage) -> str:
    """The text a page object shows: a text object's own, or all a form's text."""
    import ctypes

    import pypdfium2.raw as raw

    kind = raw.FPDFPageObj_GetType(obj)
    if kind == raw.FPDF_PAGEOBJ_FORM:
        return "".join(_object_text(raw.FPDFFormObj_GetObject(obj, i), textpage)
                       for i in range(raw.FPDFFormObj_CountObjects(obj)))
    if kind != raw.FPDF_PAGEOBJ_TEXT:
        return ""
    size = raw.FPDFTextObj_GetText(obj, textpage, None, 0)
    buffer = ctypes.create_string_buffer(size)
    raw.FPDFTextObj_GetText(obj, textpage, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)),
                            size)
    return buffer.raw[:size - 2].decode("utf-16-le")


def struct_text(path: Path) -> list[str]:
    """The text of the structure tree in order, as poppler's `pdfinfo -struct-text` reads
    it (a screen reader's view: tree order, artifacts left out)."""
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                         text=True, check=True).stdout
    return [m.group(1) for m in re.finditer(r'^\s*"(.*)"\s*$', out, re.MULTILINE)]


def spoken_text(path: Path, page: int | None = None, start: str | None = None) -> str:
    """What a screen reader says, read from the structure tree: an element's /ActualText,
    else its /Alt, in place of what it contains, set apart by spaces (a link, a number
    said digit by digit); otherwise the text of its marked content. Only what is on
    `page` (an index), if given; only the element whose text starts with `start` (the
    crisis box: "Get help now"), if given."""
    texts = _mcid_texts(path)
    out: list[str] = []
    with pikepdf.open(path) as pdf:
        pages = {p.objgen: i for i, p in enumerate(pdf.pages)}

        def visit(kids, where: int | None) -> None:
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, int):
                    if page is None or where == page:
                        out.append(texts.get((where, int(kid)), ""))
                elif kid.get("/Type") == "/MCR":
                    if page is None or pages[kid.Pg.objgen] == page:
                        out.append(texts.get((pages[kid.Pg.objgen], int(kid.MCID)), ""))
                elif kid.get("/Type") != "/OBJR":
                    said = kid.get("/ActualText", kid.get("/Alt"))
                    here = pages[kid.Pg.objgen] if "/Pg" in kid else where
                    if said is not None:
                        if page is None or here == page:
                            out.append(f" {said} ")
                    elif "/K" in kid:
                        visit(kid.K, here)
                        out.append(" ")  # the next cell, item or paragraph is apart

        root = pdf.Root.StructTreeRoot.K
        if start is not None:
            root = next(e for e in _elements(root)
                        if _element_text(e, texts, pages).strip().startswith(start))
        visit(root, None)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _elements(kids):
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR"):
            yield kid
            if "/K" in kid:
                yield from _elements(kid.K)


def _element_text(element, texts, pages) -> str:
    found = []
    where = pages[element.Pg.objgen] if "/Pg" in element else None
    for kid in element.K if isinstance(element.get("/K"), pikepdf.Array) else \
            [element.get("/K")]:
        if isinstance(kid, int):
            found.append(texts.get((where, int(kid)), ""))
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR",
                                                                             "/OBJR"):
            found.append(_element_text(kid, texts, pages))
    return "".join(found)


def words_split_by_a_hyphen(read: list[str]) -> list[str]:
    """Words the tree reads broken in two at a line's end ("eske- tamine"); a URL (text
    with a slash in it), which may be broken where it has a hyphen, aside."""
    text = re.sub(r"\s+", " ", "".join(read))
    return [m for m in re.findall(r"\S*[A-Za-z]- [a-z]\S*", text) if "/" not in m]


def struct_roles(path: Path) -> list[tuple[str, str]]:
    """(role, text) of each piece of text `pdfinfo -struct-text` reads, the role being
    that of the element the text is in."""
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                         text=True, check=True).stdout
    found, role = [], ""
    for line in out.splitlines():
        text = re.match(r'^\s*"(.*)"\s*$', line)
        if text:
            found.append((role, text.group(1)))
        elif re.match(r"^\s*[A-Z][A-Za-z0-9]*( \(\w+\))?:?\s*$", line):
            role = line.split()[0].rstrip(":")
    return found


def paint_order_problems(path: Path) -> list[str]:
    """Pages whose marked content is painted in another order than the structure tree
    reads it (each element's kids in order, marked content and child elements mixed):
    a reader that follows the page (copy and paste, reflow) and one that follows the
    tags then read the same."""
    problems = []
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
        walk = _Walk(pages)
        walk.visit(pdf.Root.StructTreeRoot.K, pdf.Root.StructTreeRoot, None)
        for index, page in enumerate(pdf.pages):
            painted = [int(operands[1].MCID) for operands, _ in
                       pikepdf.parse_content_stream(page, "BDC")
                       if isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]]
            read = [mcid for (where, mcid) in walk.mcids if where == index]
            if painted != read:
                problems.append(f"page {index + 1} is painted out of the tree's order")
    return problems


# ---- reading order ------------------------------------------------------------------------


def reading_order(document: Document, web_copy_at: str | int = "end", paged: bool = True
                  ) -> list[tuple[str, bool]]:
    """The text a reader meets, in the Document's order, as (text, loose) leaves: after a
    loose leaf (a row of the medicines table, whose wording the renderer composes) other
    text may follow before the next leaf. `web_copy_at`: where the web copy's code is read
    (see web_copy_places), where the references leave it no room at the end."""
    slot = itertools.count()
    leaves = _opening(document, [(document.subtitle, False)] if document.subtitle else [],
                      paged)
    leaves += _web_copy(document) if web_copy_at == "opening" else []
    leaves += _medicines(document)
    for section in document.sections:
        leaves += [(section.title, False)] + _blocks(section.blocks, document.language)
        leaves += _web_copy(document) if web_copy_at == next(slot) else []
    return leaves + _closing(document, web_copy_at, next(slot))


def packet_reading_order(document: Document, web_copy_at: str | int = "end"
                         ) -> list[tuple[str, bool]]:
    """What a reader meets in a packet: the cover (title, patient block, crisis box,
    contents with page numbers, the web copy's code where it opens the packet, medicines),
    each part's title, subtitle and sections, then the disclaimer, the references, the web
    copy's code and the footer (the code elsewhere: see web_copy_places)."""
    slot = itertools.count()
    say = messages(document.language).say
    leaves = _opening(document)
    leaves += [(say(key), False) for key in ("packet.contents", "packet.column_part",
                                             "packet.column_page")]
    leaves += [(part.title, False) for part in document.parts]
    leaves += _web_copy(document) if web_copy_at == "opening" else []
    leaves += _medicines(document)
    sections = {section.id: section for section in document.sections}
    for part in document.parts:
        leaves += [(part.title, False)] + ([(part.subtitle, False)] if part.subtitle else [])
        for ident in part.section_ids:
            section = sections[ident]
            leaves += [(section.title, False)] + _blocks(section.blocks, document.language)
            leaves += _web_copy(document) if web_copy_at == next(slot) else []
    return leaves + _closing(document, web_copy_at, next(slot))


def web_copy_places(document: Document) -> list[str | int]:
    """Where the renderer may put a web copy's code: at the end, in the opening, or at a
    slot, numbered as pdf.py numbers them: after each section in reading order, then after
    the disclaimer."""
    sections = sum(len(part.section_ids) for part in document.parts) if document.parts \
        else len(document.sections)
    return ["end", "opening", *range(sections + 1)]


def _opening(document: Document, subtitle: list | None = None, paged: bool = True
             ) -> list[tuple[str, bool]]:
    """The band's name (when no logo stands for it), the title, the patient block and the
    crisis box; on pages (`paged`), the crisis box first when the PDF puts it first."""
    from handouts.render.pdf import crisis_first  # the renderer's own measure of page 1

    leaves = [] if document.brand.logo else [(document.brand.name, False)]
    leaves += [(document.title, False)] + (subtitle or [])
    patient = [leaf for label, value in (prepared_for_rows(document)
                                         if document.prepared_for else ())
               for leaf in ((label, False), (value, False))]
    crisis = _blocks((document.safety,), document.language) if document.safety else []
    first = paged and crisis_first(document)
    return leaves + (crisis + patient if first else patient + crisis)


def _medicines(document: Document) -> list[tuple[str, bool]]:
    """'Your medicines': its heading, its columns, then each entry's loose rows."""
    if not document.medicines:
        return []
    say = messages(document.language).say
    leaves = [(say(key), False) for key in ("medicines.heading", "medicines.column_entry",
                                            "medicines.column_what", "medicines.column_page")]
    for med in document.medicines:
        leaves += [(med.entry, True)] + [(line.text, True) for line in med.lines]
    return leaves


def _web_copy(document: Document) -> list[tuple[str, bool]]:
    """The QR code is a Figure (no text); then its two lines."""
    if not document.web_copy:
        return []
    return [(messages(document.language).say("webcopy.line"), False), (document.web_copy, False)]


def _closing(document: Document, web_copy_at: str | int = "end", slot: int = -1
             ) -> list[tuple[str, bool]]:
    """The disclaimer, the web copy's lines at its `slot`, the references, the web copy's
    lines at the end, and the footer."""
    say = messages(document.language).say
    leaves = _blocks(document.disclaimer, document.language)
    leaves += _web_copy(document) if web_copy_at == slot else []
    if document.references:
        leaves += [(say("references.heading"), False)] + [(_text(r.inlines), False)
                                                          for r in document.references]
    return leaves + (_web_copy(document) if web_copy_at == "end" else []) \
        + footer_leaves(document)


def footer_leaves(document: Document) -> list[tuple[str, bool]]:
    """The clinic's contact details, the review date and the footer note: read last, as
    the HTML twin's <footer> is."""
    brand, contact = document.brand, document.brand.contact
    items = [brand.name, contact.phone, contact.address, contact.website,
             reviewed_line(document), brand.footer_note]
    return [(item, False) for item in items if item]


def _blocks(blocks, language: str = "en") -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for block in blocks:
        if isinstance(block, Callout):
            title = block.title or callout_title(block.kind, language)
            out += [(title, False)] + _blocks(block.blocks, language)
        elif isinstance(block, ListBlock):
            for item in block.items:
                out += _blocks(item, language)
        elif isinstance(block, Table):  # as a table, or, when a row cannot fit a page or
            # the columns are too narrow, as labelled paragraphs row by row
            grid = [(_text(cell), False) for row in (block.header, *block.rows) for cell in row]
            stacked = [(_text(part), False) for row in block.rows
                       for i, cell in enumerate(row)
                       for part in ((block.header[i], cell) if i < len(block.header)
                                    else (cell,))]
            out.append(((grid, stacked), False))
        elif isinstance(block, Paragraph | Heading):
            out.append((_text(block.inlines), False))
    return out


def _text(runs) -> str:
    return "".join(compress(r.numbers) if isinstance(r, CiteRef) else getattr(r, "text", "")
                   for r in runs)


def letters(text: str) -> str:
    """Letters and digits only: what survives line breaks, hyphenation and bullets."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFC", text).casefold())


def reading_order_problems(read: list[str], leaves: list[tuple]) -> list[str]:
    """Where the text read from the tree differs from the Document's order: each leaf must
    come next, with nothing but numbers (list and reference numbers, page numbers) before
    it unless the leaf before it is loose. A leaf may be a pair of alternative orders (a
    table laid out as a grid, or stacked): either may match."""
    text = letters("".join(read))
    state = _match(text, 0, False, leaves)
    if isinstance(state, list):
        return state
    at = state[0]
    rest = text[at:]
    return [] if rest.isdigit() or not rest else [f"read after the last leaf: {rest[:80]!r}"]


def first_order(leaves: list[tuple]) -> list[str]:
    """The leaves' text in order, taking the first of any alternatives."""
    out: list[str] = []
    for leaf, _ in leaves:
        out += first_order(leaf[0]) if isinstance(leaf, tuple) else [leaf]
    return out


def _match(text: str, at: int, loose: bool, leaves: list[tuple]):
    """The position after `leaves` are matched from `at`, or the problems found."""
    for leaf, leaf_loose in leaves:
        if isinstance(leaf, tuple):  # alternatives
            tried = [_match(text, at, loose, option) for option in leaf]
            good = next((t for t in tried if not isinstance(t, list)), None)
            if good is None:
                return tried[0]
            at, loose = good
            continue
        want = letters(leaf)
        if not want:
            continue
        found = text.find(want, at)
        if found < 0:
            return [f"not read, or read out of order: {leaf[:80]!r} "
                    f"(next in the tree: {text[at:at + 60]!r})"]
        skipped = text[at:found]
        if skipped and not loose and not skipped.isdigit():
            return [f"read before {leaf[:60]!r}: {skipped[:80]!r}"]
        at, loose = found + len(want), leaf_loose
    return at, loose


def bookmarks(pdf) -> list[tuple[int, str]]:
    """A PDF's bookmarks (pikepdf), as (depth, title) in reading order."""
    out, todo = [], [(pdf.Root.Outlines.First, 0)]
    while todo:
        item, depth = todo.pop()
        while item is not None:
            out.append((depth, str(item.Title)))
            if "/First" in item:
                todo.append((item.First, depth + 1))
            item = item.get("/Next")
    return out
