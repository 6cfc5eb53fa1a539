"""What the CLI shows a person: a rich summary on stdout and progress on stderr. Every text
from a record or a file name goes through terminal.shown(): no escape sequence reaches the
terminal. Rich is imported when something is shown: `intake scan --json` and a run without
a terminal never need it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from intake.model import Manifest
from intake.packet.summary import PacketSummary
from intake.terminal import shown
from intake.understand.classify import LABELS

if TYPE_CHECKING:
    from rich.progress import Progress

STATUS_STYLE = {"present": "green", "missing": "red", "incomplete": "yellow", "stale": "yellow"}
SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "dim"}
STAGES = {
    "scan": "Finding files",
    "extract": "Reading files",
    "copy": "Copying into packet",
    "pdf": "Writing PACKET.PDF",
    "clients": "Clients done",
    "files": "Files in clients done",
}


class ProgressDisplay:
    """A progress bar on stderr, only when stderr is a terminal; a no-op otherwise."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> ProgressDisplay:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress:
            self._progress.stop()

    def __call__(self, stage: str, done: int, total: int | None, location: str) -> None:
        if not self._progress:
            return
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(STAGES.get(stage, stage), total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)


def print_summary(manifest: Manifest, *, brief: bool = False) -> None:
    """Documents (unless brief), checklist and findings as tables on stdout."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=sys.stdout, highlight=False)
    patient = manifest.patient
    who = patient.name or "patient name not found"
    if patient.birth_date:
        who += f", born {patient.birth_date}"
    console.print(f"[bold]{escape(shown(who))}[/bold]: {len(manifest.documents)} documents")
    if not brief and len(manifest.documents) > RICH_ROWS:
        _plain_documents(manifest)
    elif not brief:
        table = Table("id", "kind", "date", "title", "source", box=None, pad_edge=False)
        for doc in manifest.documents:
            kind = LABELS.get(doc.kind, doc.kind)
            table.add_row(
                doc.id, kind, doc.date or "", escape(shown(doc.title)), escape(shown(doc.source))
            )
        console.print(table)
    checklist = Table("checklist", "status", "note", box=None, pad_edge=False)
    for item in manifest.checklist:
        style = STATUS_STYLE.get(item.status, "")
        checklist.add_row(
            escape(shown(item.heading())),
            f"[{style}]{item.status}[/{style}]",
            escape(shown(item.note)),
        )
    console.print(checklist)
    for finding in manifest.findings:
        if brief and finding.severity == "info":
            continue
        style = SEVERITY_STYLE[finding.severity]
        console.print(f"[{style}]{finding.severity}[/{style}] {escape(shown(finding.message))}")


def print_clinical_summary(summary: PacketSummary) -> None:
    """The packet's clinical summary (the same PacketSummary INDEX.HTM and PACKET.PDF
    render): each fact with the ids of the documents stating it."""
    from rich.console import Console

    console = Console(file=sys.stdout, highlight=False)
    console.print("[bold]Clinical summary[/bold]")
    for label, value in summary.head:
        console.print(f"  {shown(label)}: {shown(value)}", markup=False)
    for section in summary.sections:
        console.print(f"[bold]{section.title}[/bold]")
        if not section.facts:
            console.print(f"  {shown(section.empty)}", markup=False)
        for fact in section.facts:
            sources = " ".join(f"[{id}]" for id in fact.sources)
            console.print(f"  - {shown(fact.text)} {sources}", markup=False)
        if section.more:
            console.print(f"  and {section.more} more in the packet", markup=False)


RICH_ROWS = 500  # more documents than this: a plain table (rich measures every cell: 50,000
# documents took minutes)


def _plain_documents(manifest: Manifest) -> None:
    """The documents table as plain aligned columns, written in one pass."""
    rows = [("id", "kind", "date", "title", "source")]
    rows += [
        (d.id, LABELS.get(d.kind, d.kind), d.date or "", shown(d.title), shown(d.source))
        for d in manifest.documents
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    write = sys.stdout.write
    for row in rows:
        write(
            " ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
            + f" {row[4]}\n"
        )
    sys.stdout.flush()


def print_to_do(summary: PacketSummary) -> None:
    """The to-do list before the appointment, one checkbox line each."""
    if not summary.to_do:
        return
    from rich.console import Console

    console = Console(file=sys.stdout, highlight=False)
    console.print("[bold]To do before the appointment[/bold]")
    for action in summary.to_do:
        console.print(f"  [ ] {shown(action)}", markup=False)
