"""The element tree of a report's own HTML, built by the standard library's parser.

WeasyPrint parses its input with tinyhtml5, a pure-Python HTML5 parser that reads
one character at a time: the demo report's 380 kB of HTML (7 000 elements) took
1,4 s to parse, more than a tenth of the PDF's CPU. The reports' HTML is written
by geoplan's own templates (every value escaped by Jinja2), so it is the plain
case of HTML5: every element closed where it was opened, no comments, no
``<pre>``, no misnested tags. For that HTML the tree is the one tinyhtml5 builds,
and :class:`html.parser.HTMLParser` (regular expressions in C) builds it in about
a seventh of the time.

:func:`parse` returns that tree, or None as soon as the HTML leaves the plain case
(an end tag that does not close the open element, a comment, a processing
instruction, a ``<pre>``, ``<textarea>``, ``<script>``, ``<template>`` or ``<base>``,
an element before ``<html>`` or after ``</html>``): the caller then lets
WeasyPrint parse it as always. ``tests/test_report_speed.py`` holds the tree equal
to tinyhtml5's, element by element, on the reports and on the edge cases, and
the PDFs written from either tree equal.
"""

from __future__ import annotations

from html.parser import HTMLParser
from sys import intern
from xml.etree import ElementTree

#: elements without an end tag (HTML5 void elements)
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "param", "source", "track", "wbr"})
#: elements whose parsing HTML5 treats specially (text kept raw, first newline dropped,
#: the document's base address): their HTML goes to tinyhtml5
SPECIAL = frozenset({"pre", "textarea", "listing", "script", "template", "base", "noscript",
                     "iframe", "noembed", "noframes", "xmp", "plaintext", "frameset", "svg",
                     "math", "select", "option", "optgroup", "form", "button", "input"})
#: elements HTML5 closes by itself when a block starts inside them
_CLOSED_BY_BLOCK = frozenset({"p"})
#: block elements that close an open <p> in HTML5 (the HTML's own nesting would differ)
_BLOCKS = frozenset({"address", "article", "aside", "blockquote", "center", "details", "dialog",
                     "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer", "form",
                     "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "main", "menu",
                     "nav", "ol", "p", "section", "summary", "table", "ul", "li", "dd", "dt"})
#: elements of a table's structure: text other than white space inside them is moved
#: out of the table by HTML5 («foster parenting»)
_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "colgroup"})


class _NotPlain(Exception):
    """The HTML is not the plain case: tinyhtml5 must parse it."""


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: ElementTree.Element | None = None
        self.open: list[ElementTree.Element] = []
        self.head: ElementTree.Element | None = None
        self.body: ElementTree.Element | None = None
        self.done = False          # </html> seen
        self.after_body = False    # </body> seen
        self.implied: set[int] = set()   # the <tbody> elements HTML5 adds

    # -- elements -------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs) -> None:
        tag = intern(tag)
        if tag in SPECIAL or self.done or self.after_body:
            raise _NotPlain(tag)
        attrib: dict[str, str] = {}
        for k, v in attrs:
            if k in attrib:        # HTML5 keeps the first of a repeated attribute
                raise _NotPlain(k)
            attrib[intern(k)] = "" if v is None else v
        if self.root is None:
            if tag != "html":
                raise _NotPlain(tag)
            self.root = ElementTree.Element(tag, attrib)
            self.open.append(self.root)
            return
        parent = self.open[-1]
        if parent is self.root and tag not in ("head", "body"):
            raise _NotPlain(tag)
        if parent is self.root and tag == "body" and self.head is None:
            raise _NotPlain(tag)   # HTML5 would make an empty <head> first
        if parent.tag in _CLOSED_BY_BLOCK and tag in _BLOCKS:
            raise _NotPlain(tag)
        if parent.tag in _TABLE_PARTS and tag not in _TABLE_PARTS | {"td", "th", "col",
                                                                       "caption"}:
            raise _NotPlain(tag)
        if parent.tag == "table" and tag == "tr":
            # «<table><tr>»: HTML5 puts the rows in a <tbody> of its own
            parent = ElementTree.SubElement(parent, "tbody")
            self.open.append(parent)
            self.implied.add(id(parent))
        el = ElementTree.SubElement(parent, tag, attrib)
        if tag == "head":
            self.head = el
        elif tag == "body":
            self.body = el
        if tag not in VOID:
            self.open.append(el)

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag not in VOID:
            raise _NotPlain(tag)   # «<div/>» is an open <div> in HTML5
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            raise _NotPlain(tag)
        if tag == "table" and self.open and id(self.open[-1]) in self.implied:
            self.open.pop()        # the <tbody> HTML5 made ends with its table
        if not self.open or self.open[-1].tag != tag:
            raise _NotPlain(tag)
        self.open.pop()
        if tag == "body":
            self.after_body = True
        elif tag == "html":
            self.done = True

    # -- text -----------------------------------------------------------------
    def handle_data(self, data: str) -> None:
        if not data:
            return
        blank = not data.strip(" \t\n\f\r")
        if self.root is None or self.done or self.after_body:
            if blank:
                # before <html>: dropped; after </body> or </html>: HTML5 adds it to <body>
                if self.root is not None and self.body is not None:
                    _append_text(self.body, data)
                return
            raise _NotPlain("text")
        parent = self.open[-1]
        if parent is self.root:
            if not blank:
                raise _NotPlain("text")
            if self.head is None:
                return             # white space before <head>: dropped
            if self.body is not None:
                raise _NotPlain("text")
        elif parent.tag in _TABLE_PARTS and not blank:
            raise _NotPlain("text")
        _append_text(parent, data)

    def handle_comment(self, data: str) -> None:
        raise _NotPlain("comment")

    def handle_decl(self, decl: str) -> None:
        if self.root is not None or decl.lower() != "doctype html":
            raise _NotPlain("doctype")

    def handle_pi(self, data: str) -> None:
        raise _NotPlain("pi")

    def unknown_decl(self, data: str) -> None:
        raise _NotPlain("decl")


def _append_text(parent: ElementTree.Element, data: str) -> None:
    """``data`` after the last child of ``parent`` (its tail), else as its text."""
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + data
    else:
        parent.text = (parent.text or "") + data


def parse(html: str) -> ElementTree.Element | None:
    """The root ``<html>`` element of ``html`` as tinyhtml5 builds it
    (``namespace_html_elements=False``), or None when ``html`` is not the plain case."""
    if "\x00" in html:
        return None                # HTML5 replaces or drops NUL by context
    # HTML5 reads every CR LF and lone CR as LF before it parses (a name typed in a
    # spreadsheet may bring its CR LF); html.parser does not
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    b = _Builder()
    try:
        b.feed(html)
        b.close()
    except (_NotPlain, AssertionError):
        return None
    if b.root is None or b.head is None or b.body is None or not b.done or b.open:
        return None
    return b.root


def weasy_html(html: str, base_url: str, url_fetcher=None):
    """``weasyprint.HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)``, with
    the tree from :func:`parse` when it has one (WeasyPrint's own parse otherwise)."""
    import weasyprint

    root = parse(html)
    if root is None:
        return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
    import cssselect2

    # a document WeasyPrint made itself (its base address, fetcher, media type), then
    # given the tree; an empty document is parsed in well under a millisecond
    doc = weasyprint.HTML(string="<html><head></head><body></body></html>",
                          base_url=base_url, url_fetcher=url_fetcher)
    doc.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
    doc.etree_element = doc.wrapper_element.etree_element
    return doc
