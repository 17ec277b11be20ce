"""Content files: front matter, Markdown blocks, containers and citations, with lines."""

from __future__ import annotations

import textwrap

import pytest

from handouts.document import Audience, Callout, Cite, Link, ListBlock, Paragraph, Table, Text
from handouts.errors import ContentError
from handouts.library.contentfile import parse_content

HEAD = "---\nid: sample\ntitle: A sample\nreviewed: 2026-11-01\n---\n"


def parse(body: str):
    return parse_content(HEAD + textwrap.dedent(body), "topics/sample.md")


def test_blocks_containers_and_citations():
    content = parse("""\
        Shared text [@a; @b] here.

        :::: patient
        Hello **bold** and *soft* [a link](https://example.org) [@c].

        ::: warning
        Careful [@d].
        :::
        ::::

        | Medicine | Note |
        |---|---|
        | X | Y [@e] |

        - one [@f].
        - two
        """)
    shared, patient, table, bullets = content.blocks
    assert shared == Paragraph((Text("Shared text"), Cite(("a", "b"), 6), Text(" here.")), 6)
    assert isinstance(patient, Audience) and patient.audience == "patient"
    para, warning = patient.blocks
    assert Text("bold", bold=True) in para.inlines and Text("soft", italic=True) in para.inlines
    assert Link("a link", "https://example.org") in para.inlines
    assert isinstance(warning, Callout) and warning.kind == "warning" and warning.line == 11
    assert isinstance(table, Table) and table.rows[0][1] == (Text("Y"), Cite(("e",), 18))
    assert isinstance(bullets, ListBlock) and len(bullets.items) == 2


def test_raw_html_stays_text():
    [para] = parse('Look <img src="/etc/hostname"/> & <b>me</b>\n').blocks
    assert para.inlines == (Text('Look <img src="/etc/hostname"/> & <b>me</b>'),)


def test_unsupported_blocks_are_errors_with_lines():
    with pytest.raises(ContentError) as info:
        parse("Fine.\n\n> a quote\n\n```\ncode\n```\n\n![img](x.png)\n")
    found = [str(p) for p in info.value.problems]
    assert "topics/sample.md:8: blockquote is not supported in content files; use " \
           "paragraphs, lists, tables and ::: containers" in found
    assert any(p.startswith("topics/sample.md:10: fence is not supported") for p in found)
    assert "topics/sample.md:14: images are not supported in content files" in found


def test_link_schemes_are_limited():
    with pytest.raises(ContentError) as info:
        parse("[x](ftp://example.org/file) and [y](file:///etc/passwd)\n")
    assert "link to 'ftp://example.org/file' is not allowed" in str(info.value)


def test_front_matter_problems_and_id_must_match_file_name():
    with pytest.raises(ContentError) as info:
        parse_content("---\nid: other\ntitle: T\nreviewed: someday\n---\nText.\n",
                      "topics/sample.md")
    found = [str(p) for p in info.value.problems]
    assert any(p.startswith("topics/sample.md:4: reviewed:") for p in found)
    with pytest.raises(ContentError, match="id 'other' does not match the file name"):
        parse_content("---\nid: other\ntitle: T\nreviewed: 2026-01-01\n---\nText.\n",
                      "topics/sample.md")


def test_missing_front_matter():
    with pytest.raises(ContentError, match="missing front matter"):
        parse_content("Just text.\n", "topics/sample.md")


def test_windows_line_endings():
    text = "---\r\nid: sample\r\ntitle: A sample\r\nreviewed: 2026-11-01\r\n---\r\nHello [@a].\r\n"
    content = parse_content(text, "topics/sample.md")
    assert content.front.title == "A sample"
    assert content.blocks[0].inlines[0] == Text("Hello")


def test_a_short_bold_line_alone_is_a_subheading():
    from handouts.document import Heading

    content = parse("""\
        **Before you come**

        Bring your medicines.

        **Practical advice.** Keep taking them.

        **Call us** [@a]

        - **Bold item**
        """)
    heading, text, lead_in, cited, items = content.blocks
    assert heading == Heading((Text("Before you come"),), 3, 6)
    assert isinstance(text, Paragraph) and isinstance(lead_in, Paragraph)  # a run-in lead
    assert isinstance(cited, Paragraph)  # a citation makes it a sentence, not a heading
    assert isinstance(items, ListBlock) and isinstance(items.items[0][0], Paragraph)
