"""Independent checkers, beside `pdfua` and our own pikepdf checks, over every example spec in
both audiences, on both papers, in standard and large print (the tailored leaflet among them),
and the clinician report:

- `page` (PyPI `page-validation`): a PDF/UA-1 validator of 104 rules that passes veraPDF's
  test corpus; no rule may fail.
- `outloud`: the Matterhorn protocol's checkpoints plus semantic checks ("what a PDF says
  out loud"); no error, and no warning but the ones explained in docs/accessibility.md
  (and checked here some other way)."""

from __future__ import annotations

import pytest

from handouts.outputs.build import BuildOptions, make_outputs, prepare
from handouts.outputs.packet import PacketOptions, make_packet
from handouts.outputs.report import make_report
from handouts.render.pdf import render
from tests.conftest import SPECS
from tests.matrix import NAMES, documents
from tests.tagcheck import paint_order_problems

REPORT = "report-tailored-leaflet"
DEJAVU = "tailored-leaflet-lakeside"  # a site whose font is DejaVu Sans (and the fallback)
# a visit packet of three example specs, with its QR code to its web copy (mesa publishes
# them), in English on letter and in Spanish large print on A4
PACKETS = {"packet-mesa": BuildOptions(site=str(SPECS / "sites" / "mesa.yaml")),
           "packet-mesa-es-a4-large": BuildOptions(
               site=str(SPECS / "sites" / "mesa.yaml"), language="es", paper="a4",
               large_print=True)}
PACKET_SPECS = ("ketamine-and-antidepressants", "everything-patient", "large-print")
# outloud's warnings that are not problems of ours, each with the check that shows it
EXPLAINED = {
    # outloud takes an element's own marked content before that of the elements inside
    # it, so a paragraph with a link or a citation in it looks painted out of order;
    # `paint_order_problems` reads each element's kids in their order and finds every
    # page painted exactly in the tree's order.
    "ORD-001": paint_order_problems,
}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """name -> path of its PDF: the matrix, and the clinician report."""
    folder, paths = tmp_path_factory.mktemp("checkers"), {}

    def get(name: str):
        if name not in paths:
            paths[name] = folder / f"{name}.pdf"
            if name == REPORT:
                options = BuildOptions()
                data, _ = make_report(prepare(SPECS / "tailored-leaflet.yaml", options),
                                      options)
            elif name in PACKETS:
                options = PACKETS[name]
                data, _ = make_packet([prepare(SPECS / f"{spec}.yaml", options)
                                       for spec in PACKET_SPECS], options,
                                      PacketOptions(ident="first-visit"))
                assert b"/handouts/first-visit" in data["pdf"]  # it links its web copy
                data = data["pdf"]
            elif name == DEJAVU:
                options = BuildOptions(site=str(SPECS / "sites" / "lakeside.yaml"))
                data, _ = make_outputs(prepare(SPECS / "tailored-leaflet.yaml", options),
                                       options)
                data = data["pdf"]
            else:
                data = render(documents()[name])
            paths[name].write_bytes(data)
        return paths[name]
    return get


@pytest.mark.parametrize("name", [*NAMES, DEJAVU, REPORT, *PACKETS])
def test_page_validation_finds_nothing(made, name):
    import page  # the test extra installs page-validation

    report = page.validate_pdf(str(made(name)), profile="ua1")
    assert [(f.rule_id, f.message) for f in report.failures] == []
    assert report.is_compliant and report.rules.total >= 100


@pytest.mark.parametrize("name", [*NAMES, DEJAVU, REPORT, *PACKETS])
def test_outloud_finds_no_error_and_only_explained_warnings(made, name):
    from outloud import check  # the test extra installs outloud

    path = made(name)
    result = check(str(path))
    findings = result.sorted_findings()
    assert [(f.rule, f.message) for f in findings if f.rule not in EXPLAINED] == []
    assert result.errors == 0
    for rule in {f.rule for f in findings}:
        assert EXPLAINED[rule](path) == [], rule


def test_the_checkers_find_what_is_wrong(tmp_path):
    """Both checkers fail an untagged handout, so a pass above means something."""
    import page
    from outloud import check

    from handouts.render.pdf import prepare_layout

    path = tmp_path / "untagged.pdf"
    path.write_bytes(prepare_layout(documents()[NAMES[0]], tagged=False).build())
    assert not page.validate_pdf(str(path), profile="ua1").is_compliant
    assert check(str(path)).errors > 0
