"""Streamlit's own texts in bokmål: the file uploader, menus, table toolbar, status and dialogs.

Streamlit has no locale setting for its interface. :func:`inject` adds, once per
page run, a small script to the app's document: a ``MutationObserver`` that
replaces Streamlit's English texts (text nodes and the ``title``,
``aria-label`` and ``placeholder`` attributes) by the bokmål of
:data:`EXACT` and :data:`PATTERNS` as soon as they appear, and a style sheet
that hides what a planner does not need (the deploy button). Texts the app
writes itself are never touched (they are not in the tables).
"""

from __future__ import annotations

import json
import re

#: Streamlit's English text -> bokmål (the whole trimmed text of a node or attribute)
EXACT: dict[str, str] = {
    # file uploader
    "Drag and drop file here": "Dra og slipp filen her",
    "Drag and drop files here": "Dra og slipp filer her",
    "Drag and drop a file here": "Dra og slipp en fil her",
    "Drag and drop directories here": "Dra og slipp mapper her",
    "Browse files": "Velg fil",
    "Upload": "Last opp",
    "Remove file": "Fjern filen",
    "Delete": "Slett",
    "Uploading...": "Laster opp …",
    # select boxes
    "Choose an option": "Velg",
    "Choose options": "Velg ett eller flere",
    "Select an option": "Velg",
    "No options to select.": "Ingen valg.",
    "No options to select": "Ingen valg",
    "No results": "Ingen treff",
    "Clear all": "Fjern alle",
    "Clear value": "Fjern verdien",
    "Open": "Åpne",
    "Select all": "Velg alle",
    # inputs
    "Press Enter to apply": "Trykk Enter for å bruke",
    "Press Enter to submit form": "Trykk Enter for å sende",
    "Press ⌘+Enter to apply": "Trykk ⌘+Enter for å bruke",
    "Press Ctrl+Enter to apply": "Trykk Ctrl+Enter for å bruke",
    "Increment": "Øk", "Decrement": "Minsk",
    "Show password text": "Vis passordet", "Hide password text": "Skjul passordet",
    # status, toolbar and main menu
    "Running...": "Arbeider …",
    "Running…": "Arbeider …",
    "Stop": "Stopp",
    "Stopping...": "Stopper …",
    "Rerun": "Kjør på nytt",
    "Always rerun": "Kjør alltid på nytt",
    "Main menu": "Meny",
    "Settings": "Innstillinger",
    "Print": "Skriv ut",
    "About": "Om geoplan",
    "Clear cache": "Tøm hurtigbufferen",
    "Record a screencast": "Ta opp skjermen",
    "Developer options": "Utvikleralternativer",
    "Deploy": "Publiser",
    "Get help": "Hjelp",
    "Report a bug": "Meld en feil",
    "Made with Streamlit": "Laget med Streamlit",
    "Close": "Lukk",
    "Cancel": "Avbryt",
    "Copy to clipboard": "Kopier",
    "Copied to clipboard": "Kopiert",
    "Theme": "Fargetema", "Light": "Lyst", "Dark": "Mørkt", "Use system setting": "Som systemet",
    "Choose app theme, colors and fonts": "Velg fargetema og skrift",
    "Wide mode": "Bred visning",
    "Turn on to make this app occupy the entire width of the screen":
        "Slå på for at appen skal bruke hele skjermbredden",
    # sidebar
    "Close sidebar": "Lukk sidepanelet", "Open sidebar": "Åpne sidepanelet",
    "Collapse sidebar": "Skjul sidepanelet", "Expand sidebar": "Vis sidepanelet",
    "View more": "Vis flere", "View less": "Vis færre",
    # data frames
    "Download as CSV": "Last ned som CSV",
    "Search": "Søk",
    "Fullscreen": "Fullskjerm",
    "Close fullscreen": "Avslutt fullskjerm",
    "Exit fullscreen": "Avslutt fullskjerm",
    "View fullscreen": "Vis i fullskjerm",
    "Show/hide columns": "Vis eller skjul kolonner",
    "Add row": "Legg til rad",
    "Delete row(s)": "Slett rader",
    "Sort ascending": "Sorter stigende",
    "Sort descending": "Sorter synkende",
    "Hide column": "Skjul kolonnen",
    "Autosize": "Tilpass bredden",
    "Pin column": "Fest kolonnen",
    "Unpin column": "Løsne kolonnen",
    "Format": "Format",
    "Automatic": "Automatisk",
    "Copy": "Kopier",
    # connection and errors
    "Connecting": "Kobler til",
    "Please wait...": "Vent litt …",
    "Connection error": "Mistet forbindelsen",
    "Page not found": "Siden finnes ikke",
    "Skip to main content": "Hopp til hovedinnholdet",
    "Link to heading": "Lenke til overskriften",
    "App pages": "Sidene i appen",
    "Sidebar": "Sidepanel",
    "Toggle sidebar": "Vis eller skjul sidepanelet",
    # the chart menu
    "Show data": "Vis dataene",
    "Download as PNG": "Last ned som PNG",
    "Download as SVG": "Last ned som SVG",
    "Save as PNG": "Lagre som PNG",
    "Save as SVG": "Lagre som SVG",
    "Copy Vega-Lite spec": "Kopier diagramdefinisjonen",
    "View Source": "Vis diagramdefinisjonen",
    "View Compiled Vega": "Vis diagramdefinisjonen (Vega)",
    "Open in Vega Editor": "Åpne i diagramredigering",
    "file upload": "filopplasting",
}

#: regular expressions (whole trimmed text) -> bokmål replacement
PATTERNS: list[tuple[str, str]] = [
    (r"^Limit (\d+)\s?MB per file(.*)$", "Største fil $1 MB$2"),
    (r"^(\d+)\s?MB per file(.*)$", "høyst $1 MB per fil$2"),
    (r"^(\d+(?:\.\d+)?)\s?(KB|MB|GB|B)$", "$1 $2"),
    (r"^Help for (.+)$", "Hjelp: $1"),
    (r"^Fullscreen: (.+)$", "Fullskjerm: $1"),
    (r"^View fullscreen: (.+)$", "Vis i fullskjerm: $1"),
    (r"^Exit fullscreen: (.+)$", "Lukk fullskjerm: $1"),
    (r"^You have requested page .*$", "Siden finnes ikke. Du er sendt til oversikten."),
    (r"^Is Streamlit still running\?.*$", "Kjører geoplan fortsatt? Kontakt GIS-ansvarlig om det ikke går over."),
]

#: what a planner does not need of Streamlit's chrome
CSS = """
[data-testid="stAppDeployButton"], .stDeployButton { display: none !important; }
[data-testid="stStatusWidget"] svg + div { white-space: nowrap; }
"""

_SCRIPT = """
<script>
(function () {
  var W = window.parent && window.parent.document ? window.parent : window;
  var doc = W.document;
  if (W.__geoplanLocale) { return; }
  W.__geoplanLocale = true;
  var exact = %(exact)s;
  var patterns = %(patterns)s.map(function (p) { return [new RegExp(p[0]), p[1]]; });
  function tr(s) {
    if (!s) { return null; }
    var t = s.trim();
    if (!t) { return null; }
    if (Object.prototype.hasOwnProperty.call(exact, t)) { return s.replace(t, exact[t]); }
    for (var i = 0; i < patterns.length; i++) {
      if (patterns[i][0].test(t)) {
        var out = t.replace(patterns[i][0], patterns[i][1]);
        out = out.replace(/(\\d)\\.(\\d)/g, '$1,$2');
        return s.replace(t, out);
      }
    }
    return null;
  }
  var ATTRS = ['title', 'aria-label', 'placeholder', 'data-tooltip'];
  function fix(root) {
    var walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT, null);
    var n;
    while ((n = walker.nextNode())) {
      var p = n.parentNode;
      if (p && (p.closest && p.closest('[data-geoplan-own], script, style, textarea'))) { continue; }
      var r = tr(n.nodeValue);
      if (r !== null && r !== n.nodeValue) { n.nodeValue = r; }
    }
    var els = root.querySelectorAll ?
      Array.prototype.slice.call(root.querySelectorAll('[title],[aria-label],[placeholder]')) : [];
    if (root.getAttribute) { els.push(root); }
    for (var i = 0; i < els.length; i++) {
      for (var j = 0; j < ATTRS.length; j++) {
        var v = els[i].getAttribute(ATTRS[j]);
        var r2 = tr(v);
        if (r2 !== null && r2 !== v) { els[i].setAttribute(ATTRS[j], r2); }
      }
    }
  }
  var style = doc.createElement('style');
  style.textContent = %(css)s;
  doc.head.appendChild(style);
  doc.documentElement.setAttribute('lang', 'nb');
  var busy = false;
  var obs = new W.MutationObserver(function (records) {
    if (busy) { return; }
    busy = true;
    try {
      for (var i = 0; i < records.length; i++) {
        var rec = records[i];
        if (rec.type === 'childList') {
          for (var j = 0; j < rec.addedNodes.length; j++) {
            var a = rec.addedNodes[j];
            if (a.nodeType === 3) { fix(a.parentNode || doc.body); }
            else if (a.nodeType === 1) { fix(a); }
          }
        } else if (rec.type === 'characterData') {
          if (rec.target.parentNode) { fix(rec.target.parentNode); }
        } else if (rec.target.parentNode) {
          fix(rec.target.parentNode);
        }
      }
    } finally { busy = false; }
  });
  fix(doc.body);
  obs.observe(doc.body, {childList: true, subtree: true, characterData: true, attributes: true,
                         attributeFilter: ATTRS});
})();
</script>
"""


def script() -> str:
    """The ``<script>`` that puts Streamlit's interface texts into bokmål."""
    return _SCRIPT % {"exact": json.dumps(EXACT, ensure_ascii=False),
                      "patterns": json.dumps(PATTERNS, ensure_ascii=False),
                      "css": json.dumps(CSS)}


def translate(s: str) -> str | None:
    """The bokmål :func:`script` puts in place of ``s`` (``None``: left as it is); for tests."""
    t = s.strip()
    if t in EXACT:
        return s.replace(t, EXACT[t])
    for pat, rep in PATTERNS:
        if re.match(pat, t):
            out = re.sub(pat, rep.replace("$", "\\"), t)
            return s.replace(t, re.sub(r"(\d)\.(\d)", r"\1,\2", out))
    return None


def inject() -> None:
    """Add the translating script to this page run (it installs itself once per browser tab)."""
    import streamlit as st

    st.html(script(), unsafe_allow_javascript=True)
