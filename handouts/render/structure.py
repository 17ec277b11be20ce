"""Write the structure tree, the parent tree and the PDF/UA metadata into ReportLab's own PDF
document, once every page is drawn: no second pass over the file, and the same inputs still
give the same bytes.

A handout has hundreds of structure elements; each is written straight from its node as
one object's text (ReportLab's generic dictionaries cost a third of a build for them): by
the time the tree is written, every page, annotation and element has its object number."""

from __future__ import annotations

import re

from reportlab.pdfbase.pdfdoc import (
    PDFDictionary,
    PDFName,
    PDFObject,
    PDFObjectReference,
    PDFStream,
    PDFString,
    ViewerPreferencesPDFDictionary,
)

from handouts.render.markup import escape
from handouts.render.tags import Marking, Node

XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
   <pdfuaid:part>1</pdfuaid:part>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
   <pdf:Producer>{producer}</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"""


class _Written(PDFObject):
    """An object written as it is: its text made once every object number is known."""

    data = b""

    def format(self, document) -> bytes:
        return self.data


def write_structure(doc, marking: Marking, title: str, lang: str) -> None:
    """Catalog entries for a tagged PDF: StructTreeRoot with its ParentTree, MarkInfo,
    ViewerPreferences/DisplayDocTitle and XMP metadata (dc:title, pdfuaid:part 1)."""
    numbers = doc.idToObjectNumberAndVersion  # pages and annotations are registered

    def ref(name: str) -> str:
        return "%d %d R" % numbers[name]  # noqa: UP031 (the fast form, for hundreds)

    tree_root = _Written()
    root_ref = ref(doc.Reference(tree_root).name)
    nodes = marking.root.walk()
    written = [_Written() for _ in nodes]
    refs = {node.id: ref(doc.Reference(obj).name) for node, obj in zip(nodes, written,
                                                                        strict=True)}
    pages: dict[int, str] = {}

    def page(index: int) -> str:
        if index not in pages:
            pages[index] = ref(f"Page{index + 1}")
        return pages[index]

    for node, obj in zip(nodes, written, strict=True):
        parent = refs[node.parent.id] if node.parent is not None else root_ref
        obj.data = _element(node, refs, parent, page, ref, doc)
    tree_root.data = _tree_root(refs, marking)
    catalog = doc.Catalog
    catalog.StructTreeRoot = PDFObjectReference(doc.Reference(tree_root).name)
    catalog.MarkInfo = PDFDictionary({"Marked": "true"})
    preferences = ViewerPreferencesPDFDictionary()
    preferences["DisplayDocTitle"] = "true"
    catalog.ViewerPreferences = preferences
    xmp = XMP.format(title=escape(title), lang=escape(lang), producer=escape(doc.info.producer))
    catalog.Metadata = PDFStream(PDFDictionary({"Type": PDFName("Metadata"),
                                                "Subtype": PDFName("XML")}),
                                 xmp.encode("utf-8"))


def _tree_root(refs: dict[int, str], marking: Marking) -> bytes:
    """The StructTreeRoot, with its parent tree inline: for each page, the element that
    holds each MCID; for each link annotation, its Link element."""
    entries = [(key, "[" + " ".join([refs[n.id] for n in by_mcid]) + "]")
               for key, by_mcid in marking.pages]
    entries += [(key, refs[link.id]) for key, _, link in marking.annotations]
    nums = " ".join(f"{key} {value}" for key, value in sorted(entries))
    return (f"<< /Type /StructTreeRoot /K [{refs[marking.root.id]}] /ParentTree "
            f"<< /Nums [{nums}] >> /ParentTreeNextKey {marking.next_key} >>").encode("ascii")


def _element(node: Node, refs: dict[int, str], parent: str, page, ref, doc) -> bytes:
    """The StructElem of one node. Its marked content on its own page (/Pg) is named by
    MCID alone; on another page, by a marked-content reference."""
    home = None
    for kid in node.kids:
        if isinstance(kid, tuple):
            where = kid[1] if kid[0] == "annot" else kid[0]
            home = where if home is None or where < home else home
    kids = []
    for kid in node.kids:
        if isinstance(kid, Node):
            kids.append(refs[kid.id])
        elif kid[0] == "annot":
            kids.append(f"<< /Type /OBJR /Obj {ref(kid[2])} /Pg {page(kid[1])} >>")
        elif kid[0] == home:
            kids.append(str(kid[1]))
        else:
            kids.append(f"<< /Type /MCR /MCID {kid[1]} /Pg {page(kid[0])} >>")
    text = f"<< /Type /StructElem /S /{node.role} /P {parent}"
    if home is not None:
        text += f" /Pg {page(home)}"
    if kids:
        text += f" /K {kids[0]}" if len(kids) == 1 else f" /K [{' '.join(kids)}]"
    text += _attribute_objects(node)
    for key, value in node.attrs.items():
        if key in ("Alt", "Lang", "ActualText", "E"):
            text += f" /{key} {_text(value, doc)}"
    return text.encode("latin-1") + b" >>"


_PLAIN = re.compile(r"[ -~]*")  # printable ASCII: written as it is, but for ( ) and \


def _text(value: str, doc) -> str:
    """A text string for the element's dictionary ("reference 3", "9 8 8", "es"): plain
    ASCII written straight, as ReportLab would write it; anything else through
    ReportLab's PDFString (PDFDocEncoding or UTF-16)."""
    if _PLAIN.fullmatch(value):
        escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({escaped})"
    return PDFString(value).format(doc).decode("latin-1")


def _attribute_objects(node: Node) -> str:
    """The element's /A: its own attributes (a header cell's scope, a list's numbering),
    and for a figure or table drawn on one page, the box it lies in (/BBox)."""
    owners = [node.attrs["A"]] if "A" in node.attrs else []
    if node.bbox is not None and node.bbox[0] >= 0:
        owners.append({"O": "Layout", "BBox": node.bbox[1]})
    dicts = ["<< " + " ".join(f"/{k} {_value(v)}" for k, v in owner.items()) + " >>"
             for owner in owners]
    if not dicts:
        return ""
    return f" /A {dicts[0]}" if len(dicts) == 1 else f" /A [{' '.join(dicts)}]"


def _value(value) -> str:
    if isinstance(value, tuple | list):
        return "[" + " ".join(f"{v:.2f}".rstrip("0").rstrip(".") for v in value) + "]"
    return f"/{value}"
