"""A lead-in that keeps only its last lines with what it introduces.

A heading moves to the next page with the start of its text (a CondPageBreak). A long
lead-in paragraph ("One small probe study ... The probes so far:") moving whole with the
start of its table would leave most of a page blank; it is split instead, so that its last
lines start the next page with the table.
"""

from __future__ import annotations

from reportlab.platypus import Flowable
from reportlab.platypus import Paragraph as RLParagraph

TAIL_LINES = 2  # the lines of a lead-in that go with what follows it


class KeepTail(Flowable):
    """`para`, whose last lines never end a page without `following` points of what comes
    after it."""

    def __init__(self, para: RLParagraph, following: float):
        super().__init__()
        self.para, self.following = para, following

    def _needs(self, height: float) -> float:
        return height + self.para.getSpaceAfter() + self.following

    def wrap(self, available_width: float, available_height: float):
        width, height = self.para.wrap(available_width, available_height)
        self.width = width
        # taller than the room left unless what follows fits too: the frame then splits it
        needs = self._needs(height)
        self.height = height if needs <= available_height else needs
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        _, height = self.para.wrap(available_width, available_height)
        if self._needs(height) <= available_height:
            return [self.para]
        room = min(available_height, height - TAIL_LINES * self.para.style.leading)
        parts = self.para.split(available_width, room) if room > 0 else []
        if len(parts) != 2:
            return []  # it starts the next page whole
        return [parts[0], KeepTail(parts[1], self.following)]  # the tail: the next page

    def drawOn(self, canvas, x: float, y: float, _sW: float = 0) -> None:
        self.para.drawOn(canvas, x, y, _sW)

    def getSpaceBefore(self) -> float:
        return self.para.getSpaceBefore()

    def getSpaceAfter(self) -> float:
        return self.para.getSpaceAfter()
