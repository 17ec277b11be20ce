"""The README a newcomer reads, the documentation site, and the one command that installs
what the tests need: short, linked, built strictly, and what CI runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
DOCS = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readme_is_short_and_its_links_resolve():
    assert len(README.splitlines()) < 250
    targets = [t for t in LINK.findall(README) if "://" not in t]
    assert {"docs/clinic.md", "docs/clinician.md", "docs/health-system.md"} <= set(targets)
    for target in targets:
        assert (ROOT / target).exists(), target


def test_the_docs_site_builds_strictly_with_a_search_box_and_a_page_per_user(tmp_path):
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or "mkdocs"
    built = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path)],
                           cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stderr
    for page in ("clinic", "clinician", "health-system", "security", "accessibility",
                 "performance", "architecture", "spec", "site", "medicines", "commands"):
        assert (tmp_path / page / "index.html").is_file(), page
    assert (tmp_path / "search" / "search_index.json").is_file()
    assert 'class="md-search__input"' in (tmp_path / "index.html").read_text()  # the box


def _install_commands() -> list[str]:
    """Every `pip install` of this folder in a code block of the README or the docs."""
    texts = [README] + [path.read_text() for path in DOCS]
    blocks = [b for text in texts for b in re.findall(r"```bash\n(.*?)```", text, re.S)]
    inline = [c for text in texts for c in re.findall(r"`(python3? -m pip install[^`\n]*)`",
                                                      text)]
    return [line for text in blocks + inline for line in text.splitlines()
            if re.search(r"pip install (-\S+ )*'?\.", line)]


def test_every_install_from_a_clone_is_editable():
    """A newcomer's `pip install '.[web]'` after `-e '.[test]'` replaced the editable
    install: every install of this folder we print keeps it editable."""
    commands = _install_commands()
    assert len(commands) >= 4
    for line in commands:
        assert re.search(r"pip install (-q )?-e ", line), line


def test_the_test_extra_holds_every_other_extra_and_lists_nothing_twice():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert "handouts[web,dask,vocab,docs]" in extras["test"]
    assert set(extras) - {"test"} == {"web", "dask", "vocab", "docs"}
    for name, requirements in extras.items():
        names = [re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0].lower().replace("_", "-")
                 for r in requirements]
        assert len(names) == len(set(names)) or name == "test", (name, names)
    test = [re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0].lower().replace("_", "-")
            for r in extras["test"] if not r.startswith("handouts[")]
    pinned = {r.split("==")[0].lower().replace("_", "-") for r in extras["test"] if "==" in r}
    unpinned = [n for n in test if n not in pinned]
    assert len(unpinned) == len(set(unpinned)), unpinned  # playwright was listed twice


def test_ci_runs_the_readme_test_command_and_it_reads_one_package_list():
    command = re.search(r"Run the tests:\n\n```bash\n(.+)\n```", README)[1]
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line and not line.startswith(("#", "set ", "cd "))]
    assert ci == [command]
    assert command.startswith("tools/test-setup && ") and command.endswith("python -m pytest")
    assert "ruff check ." in command and "mkdocs build --strict" in command
    script = (ROOT / "tools" / "test-setup").read_text()
    assert "tools/debian-packages" in script and "apt-get install" in script
    packages = [line.split()[0] for line in
                (ROOT / "tools" / "debian-packages").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert {"poppler-utils", "chromium", "default-jre-headless", "npm"} <= set(packages)
    for other in (ROOT / ".ci" / "run", ROOT / "pyproject.toml"):
        assert "poppler-utils" not in other.read_text()  # the list lives in one place


def test_the_test_command_says_which_packages_to_install_when_it_cannot(tmp_path):
    """Not root, a package missing: one apt-get line, exit 1, nothing else attempted."""
    fake = tmp_path / "repo"
    (fake / "tools").mkdir(parents=True)
    shutil.copy(ROOT / "tools" / "test-setup", fake / "tools" / "test-setup")
    (fake / "tools" / "debian-packages").write_text(
        "# test\npoppler-utils   command -v pdfinfo\nno-such-package   false  # never there\n")
    bin_dir = tmp_path / "bin"  # `id -u` says 1000: not root, so nothing is installed
    bin_dir.mkdir()
    (bin_dir / "id").write_text("#!/bin/sh\necho 1000\n")
    (bin_dir / "id").chmod(0o755)
    done = subprocess.run(["bash", str(fake / "tools" / "test-setup")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path)})
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[-1] == \
        "  sudo apt-get install -y --no-install-recommends no-such-package"
    assert not (fake / ".venv").exists()
