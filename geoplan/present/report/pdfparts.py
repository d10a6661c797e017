"""One PDF from several processes: the sections in parts, laid out side by side.

WeasyPrint lays a document out on one core, at about a third of a second per page
of tables (the demo's 48 pages: 17 s of its 27 s PDF). Here the report's sections
are cut into consecutive parts of about equal work, each part is laid out and
written by WeasyPrint in a forked worker, and the parts' pages are joined in order
(pypdf) into the document a single run writes:

* **page numbers**: each worker lays out its pages, tells this process how many,
  and gets back the pages before it and the total; only then are its margin boxes
  («Side n av m», the running headers) made, with those numbers. Body layout never
  depends on them, so the pages are the ones a single run lays out.
* **running headers**: a part after the first repeats the title page's title,
  municipality and version as invisible strings (``string-set``), and its first
  page is no title page (``@page :first`` is the document's first only).
* **outline and links**: each worker sends its pages' bookmarks (level, label,
  place) and anchors; the outline is built from all of them by WeasyPrint's own
  rule, and a contents link to a section in another part is added with that page
  as its destination.

A part starts with a section, so the only change of layout is where a part
begins: on a new page (:data:`geoplan.present.report.render` asks for parts only
where every section starts on one). Anything that fails -- a worker that dies,
raises or times out -- returns None, and the caller writes the PDF in one process.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
from typing import Any, Mapping, Sequence

#: WeasyPrint draws at 0.75 pt per CSS pixel (pdf/__init__.py: ``scale = zoom * 0.75``)
SCALE = 0.75
#: seconds a worker may take for its part before the PDF is written in one process
TIMEOUT_S = 1800
#: smallest share of the work worth a process of its own (fork, fonts, the join)
MIN_PART_COST = 600


def section_cost(s) -> float:
    """WeasyPrint's work for a section, in table cells (a figure ~ 150, a paragraph ~ 20)."""
    if s.omitted:
        return 10.0
    cost = 20.0 * len(s.text)
    for item in s.items:
        kind = getattr(item, "kind", "")
        if kind == "table" and getattr(item, "in_html", True):
            cost += (item.html_rows_shown + 1) * (len(item.columns) + 2)
        elif kind == "figure":
            cost += 150.0
        else:
            cost += 20.0
    return cost


def plan_parts(sections: Sequence, n: int) -> list[list[int]]:
    """Consecutive groups of section indices, at most ``n``, of about equal cost.

    The title page and contents go with the first part (counted as 200). Fewer
    parts when a part would hold less than :data:`MIN_PART_COST`.
    """
    costs = [section_cost(s) for s in sections]
    if not costs:
        return []
    costs[0] += 200.0
    total = sum(costs)
    n = max(1, min(n, len(costs), int(total // MIN_PART_COST) or 1))
    parts: list[list[int]] = [[]]
    run = 0.0
    for i, c in enumerate(costs):
        # cut before section i when the parts so far have their share and some are left
        if parts[-1] and len(parts) < n and run + c / 2 > total * len(parts) / n:
            parts.append([])
        parts[-1].append(i)
        run += c
    return parts


def _worker(html: str, images, conn) -> None:
    """In a forked worker: lay out ``html``, trade the page count for (offset, total),
    make the margin boxes with those, write the PDF, send it with the pages' outline
    and link data."""
    try:
        import weasyprint.layout as wl

        from geoplan.present.report.render import _pdf_document

        made = {"n": 0}
        numbers: dict[str, int] = {}
        orig_pages, orig_margins = wl.make_all_pages, wl.make_margin_boxes

        def count_pages(*args, **kw):
            made["n"] = 0
            for page in orig_pages(*args, **kw):
                made["n"] += 1
                yield page

        def margins(context, page, state):
            if not numbers:
                conn.send(("pages", made["n"]))
                numbers["offset"], numbers["total"] = conn.recv()
            quote_depth, values, scopes, groups = state
            values = dict(values)
            values["page"] = [v + numbers["offset"] for v in values.get("page", [1])]
            values["pages"] = [numbers["total"]]
            return orig_margins(context, page, (quote_depth, values, scopes, groups))

        wl.make_all_pages, wl.make_margin_boxes = count_pages, margins
        doc = _pdf_document(html, images).render()
        if not numbers:
            # the margin boxes were made without the hook (another WeasyPrint than the
            # pinned one): their page numbers count from 1, so this part is not usable
            raise RuntimeError("WeasyPrint laget margbokser uten sidetallene fra delene")
        pages = [{"height": p.height, "width": p.width, "bookmarks": list(p.bookmarks),
                  "anchors": {k: tuple(v[:2]) for k, v in p.anchors.items()},
                  "links": [(t, target, tuple(rect)) for t, target, rect, _box in p.links
                            if t == "internal"]}
                 for p in doc.pages]
        pdf = doc.write_pdf()
        conn.send(("done", pickle.dumps((pdf, pages), protocol=pickle.HIGHEST_PROTOCOL)))
    except BaseException as e:  # noqa: BLE001 - the parent writes the PDF itself
        try:
            conn.send(("failed", f"{type(e).__name__}: {e}"))
        except Exception:  # noqa: BLE001
            pass
    finally:
        conn.close()
        os._exit(0)


def render_parts(htmls: Sequence[str], images: Mapping[str, tuple[bytes, str]] | None
                 ) -> bytes | None:
    """The PDF of the parts ``htmls`` (each a whole HTML document), laid out on one
    worker process each (forked, or from the fork server in a process with other
    threads: :func:`~geoplan.present.report.parallel.start_method`) and joined; None
    when any part fails (write it in one process)."""
    import multiprocessing as mp

    from geoplan.present.report.parallel import no_main_script, start_method, start_server

    method = start_method()
    if method is None or (method == "forkserver" and not start_server()):
        return None
    ctx: Any = mp.get_context(method)   # (a fork or forkserver context: both make Processes)
    procs, conns = [], []
    try:
        for html in htmls:
            mine, theirs = ctx.Pipe()
            p = ctx.Process(target=_worker, args=(html, images, theirs), daemon=True)
            with no_main_script() if method == "forkserver" else contextlib.nullcontext():
                p.start()
            theirs.close()
            procs.append(p)
            conns.append(mine)
        counts = []
        for c in conns:
            kind, n = _recv(c)
            if kind != "pages":
                return None
            counts.append(int(n))
        total, offset = sum(counts), 0
        for c, n in zip(conns, counts):
            c.send((offset, total))
            offset += n
        results = []
        for c in conns:
            kind, blob = _recv(c)
            if kind != "done":
                return None
            results.append(pickle.loads(blob))
    except (OSError, EOFError, TimeoutError, RuntimeError, pickle.PickleError):
        return None
    finally:
        for c in conns:
            c.close()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
    try:
        return join(results)
    except Exception:  # noqa: BLE001 - pypdf could not join them: one process writes it
        return None


def _recv(conn):
    if not conn.poll(TIMEOUT_S):
        raise TimeoutError
    return conn.recv()


def join(results: Sequence[tuple[bytes, list[dict]]]) -> bytes:
    """The parts' PDFs as one: pages in order, the first part's metadata, the outline of
    all bookmarks (WeasyPrint's rule), and each contents link to another part's anchor."""
    from types import SimpleNamespace

    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link
    from pypdf.generic import Fit
    from weasyprint.document import Document

    writer = PdfWriter()
    pages: list[dict] = []
    readers = []
    for pdf, info in results:
        r = PdfReader(io.BytesIO(pdf))
        readers.append(r)
        writer.append(r, import_outline=False)
        pages.extend(info)
    if readers and readers[0].metadata:
        writer.add_metadata({k: v for k, v in readers[0].metadata.items()})

    # the outline, as WeasyPrint builds it for one document of all the pages
    fake = SimpleNamespace(pages=[SimpleNamespace(bookmarks=p["bookmarks"], height=p["height"])
                                  for p in pages])
    tree = Document.make_bookmark_tree(fake, SCALE, transform_pages=True)

    def add(items, parent=None):
        for label, (page, x, y), children, state in items:
            node = writer.add_outline_item(label, page, parent=parent,
                                           fit=Fit.xyz(left=x, top=y, zoom=0),
                                           is_open=state != "closed")
            add(children, node)
    add(tree)

    # contents links to a section in another part (WeasyPrint dropped them: no anchor)
    where: dict[str, tuple[int, float, float]] = {}
    for i, p in enumerate(pages):
        for name, (x, y) in p["anchors"].items():
            where.setdefault(name, (i, x * SCALE, (p["height"] - y) * SCALE))
    start = 0
    for (_pdf, info) in results:
        local = {name for p in info for name in p["anchors"]}
        for j, p in enumerate(info):
            for _t, target, (x0, y0, x1, y1) in p["links"]:
                if target in local or target not in where:
                    continue
                page, x, y = where[target]
                h = p["height"]
                rect = (x0 * SCALE, (h - y0) * SCALE, x1 * SCALE, (h - y1) * SCALE)   # as WeasyPrint
                writer.add_annotation(start + j, Link(rect=rect, target_page_index=page,
                                                      fit=Fit.xyz(left=x, top=y, zoom=0)))
        start += len(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


__all__ = ["join", "plan_parts", "render_parts", "section_cost"]
