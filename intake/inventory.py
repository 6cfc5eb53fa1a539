"""The scan stage's result: every file to read, and everything passed over with its reason.

`take_inventory()` finishes what the walk (`scan.scan`) began: archives are opened into the
run's private workspace, XDM metadata is read and set aside, a disc's viewer is recognised
and set aside. The Inventory is frozen: later stages read it and never change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from intake import disc, xdm
from intake.containers import Workspace
from intake.model import Finding, Skipped, Source
from intake.scan import ScanResult, open_archives


@dataclass(frozen=True)
class Inventory:
    """What a folder holds, before anything is read from the files."""

    root: Path
    sources: tuple[Source, ...]  # readable files and archive members, by location
    unreadable: tuple[tuple[str, str], ...]  # (location, reason): files that cannot be opened
    skipped: tuple[Skipped, ...]  # passed over by the walk: links, devices, unlistable folders
    set_aside: tuple[Skipped, ...]  # not records: XDM metadata, the media's index, a viewer
    junk: int  # OS clutter passed over (.DS_Store, Thumbs.db...)
    listing: xdm.XdmListing  # what XDM metadata says of the files
    viewer: Finding | None = None  # a disc's viewer software, summarised

    def by_location(self) -> dict[str, Source]:
        return {source.location: source for source in self.sources}


def take_inventory(walked: ScanResult, workspace: Workspace) -> Inventory:
    """The walk's files with archives opened into `workspace`, XDM metadata read and the
    disc's viewer set aside."""
    open_archives(walked, workspace)
    listing = xdm.take_metadata(walked)
    viewer, viewer_finding = disc.take_viewer(walked)
    return Inventory(
        root=walked.root,
        sources=tuple(walked.sources),
        unreadable=tuple(walked.unreadable),
        skipped=tuple(walked.skipped),
        set_aside=(*listing.set_aside, *viewer),
        junk=walked.junk,
        listing=listing,
        viewer=viewer_finding,
    )
