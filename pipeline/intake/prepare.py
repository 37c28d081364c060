"""Prepare fetched messages for their handlers: parse each one and read the forms in its attachments.

Parsing a message and opening its attachments is pure work on bytes and most of
the CPU a message costs (about 4 ms of 10 on the benchmark's mail). `prepare` does
both for every message, whatever its handler will be, so a handler is given the
same `Prepared` whichever process made it. A pass with enough new mail hands each
group of fetched messages to a child process as soon as it is fetched, and stores
the group before it meanwhile, so the two run on two cores. The child touches no
database and no mailbox. If it dies (a parser crash, the kernel's OOM killer),
the pass goes on preparing in this process.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import pickle
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from pipeline.config import LimitSettings
from pipeline.errors import TemplateError
from pipeline.mail import Fetched, IncomingAttachment, IncomingMail, parse_mail
from pipeline.store.models.intake import deflate
from pipeline.templates_io import RawForm, read_forms

log = logging.getLogger(__name__)

# Fewer new messages than this are prepared in this process. Starting the child takes
# about half a second (the forkserver and its imports), what preparing a hundred
# messages here takes; it starts beside the first group, so it pays from about the
# third group (of mailbox.batch_size, 50 by default) on.
CHILD_FROM = 150
# What the child imports once, before it takes any work.
_PRELOAD = ["pipeline.intake.prepare", "pipeline.templates_io.reader", "openpyxl", "docx"]


@dataclass(frozen=True)
class AttachmentForms:
    """What templates_io.read_forms gave for one attachment: its forms, or the error it raised."""

    forms: tuple[RawForm, ...] = ()
    error: Exception | None = None

    def result(self) -> list[RawForm]:
        """The forms, or the error raised again: a TemplateError has a sentence for the sender; any other is a bug."""
        if self.error is not None:
            raise self.error
        return list(self.forms)


@dataclass
class Prepared:
    """One fetched message, parsed (None when it could not be), with its SHA-256 and its attachments read."""

    mail: IncomingMail | None
    parse_error: str
    sha256: str
    forms: tuple[AttachmentForms, ...]  # one per mail.attachments
    compressed: bytes | None = None  # the bytes as Message.raw stores them, when the child made them


def prepare(raw: bytes, limits: LimitSettings) -> Prepared:
    """Parse one message and read the forms in each of its attachments."""
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        mail = parse_mail(raw)
    except Exception:  # noqa: BLE001 - malformed input of any kind must not stop the pass
        return Prepared(None, traceback.format_exc(), sha256, ())
    return Prepared(mail, "", sha256, read_attachments(mail, limits))


def read_attachments(mail: IncomingMail, limits: LimitSettings) -> tuple[AttachmentForms, ...]:
    """What each of the message's attachments holds: its forms, or why it could not be read."""
    return tuple(_read(a, limits) for a in mail.attachments)


def _read(attachment: IncomingAttachment, limits: LimitSettings) -> AttachmentForms:
    try:
        return AttachmentForms(tuple(read_forms(attachment.filename, attachment.content_type, attachment.data, limits)))
    except TemplateError as exc:
        # Only its sentence is wanted; its traceback would keep the reader's buffers alive until the handler runs.
        exc.__traceback__ = exc.__context__ = None
        return AttachmentForms(error=exc)
    except Exception as exc:  # noqa: BLE001 - a reader's bug: raised again by the handler that reads it, which quarantines
        return AttachmentForms(error=exc)


def _prepare_in_child(raws: list[bytes], limits: LimitSettings) -> tuple[list[Prepared], float]:
    """The group prepared, and the CPU seconds it took (the parent cannot see a forkserver child's)."""
    started = time.process_time()
    prepared = [prepare(raw, limits) for raw in raws]
    for item, raw in zip(prepared, raws):
        item.compressed = deflate(raw)
        item.forms = tuple(_portable(read) for read in item.forms)
        if item.mail is not None:
            item.mail.raw = b""  # the parent has the bytes: not sent back through the pipe
    return prepared, time.process_time() - started


def _portable(read: AttachmentForms) -> AttachmentForms:
    """A reader's bug as it can cross the pipe: its traceback (which pickling drops) kept as a note, and an
    error that does not survive pickling replaced by a RuntimeError that names it."""
    error = read.error
    if error is None or isinstance(error, TemplateError):
        return read
    error.add_note("in the process that read it:\n" + "".join(traceback.format_exception(error)))
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any class of error, with any constructor
        error = RuntimeError(f"{type(error).__name__}: {error}\n{error.__notes__[-1]}")
    return AttachmentForms(error=error)


class Preparer:
    """Prepares groups of fetched messages, one group ahead in a child process when there are enough of them."""

    def __init__(self, limits: LimitSettings, expected: int) -> None:
        self.limits = limits
        self._pool: ProcessPoolExecutor | None = None
        self._groups = 0
        self.from_child = 0  # messages prepared in the child (for the pass's summary)
        self.child_cpu_seconds = 0.0
        if expected >= CHILD_FROM and "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def ahead(self, groups: Iterable[list[Fetched]]) -> Iterator[tuple[list[Fetched], list[Prepared]]]:
        """Each group with its messages prepared; the next group is handed over before this one is yielded.

        A failure to fetch the next group still yields the groups fetched before it, then raises.
        """
        pending: tuple[list[Fetched], Future | None] | None = None
        try:
            for group in groups:
                job = self._submit(group)
                if pending is not None:
                    yield pending[0], self._collect(*pending)
                pending = (group, job)
        except Exception:
            if pending is not None:
                yield pending[0], self._collect(*pending)
            raise
        if pending is not None:
            yield pending[0], self._collect(*pending)

    def _submit(self, group: list[Fetched]) -> Future | None:
        self._groups += 1
        # The first group is prepared here, while the child starts and prepares the second.
        if self._pool is None or self._groups == 1:
            return None
        try:
            return self._pool.submit(_prepare_in_child, [f.raw for f in group], self.limits)
        except BrokenProcessPool:
            self._give_up_child()
            return None

    def _collect(self, group: list[Fetched], job: Future | None) -> list[Prepared]:
        if job is not None:
            try:
                prepared, cpu_seconds = job.result()
            except BrokenProcessPool:
                self._give_up_child()
            else:
                self.child_cpu_seconds += cpu_seconds
                for fetched, item in zip(group, prepared):
                    if item.mail is not None:
                        item.mail.raw = fetched.raw
                self.from_child += len(prepared)
                return prepared
        return [prepare(f.raw, self.limits) for f in group]

    def _give_up_child(self) -> None:
        log.warning("the process reading messages ahead stopped; reading the rest of this pass here")
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
