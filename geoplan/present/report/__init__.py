"""Reports for kommuneplanens arealdel (KPA) and for site purchases: HTML, PDF, Excel.

The report layer only *presents*: every number comes from the analysis
functions (:mod:`geoplan.analysis.reserves`, :mod:`geoplan.analysis.schools`,
:mod:`geoplan.analysis.concentration`, :mod:`geoplan.analysis.sites`) called with the same
parameters the command line uses, so a figure in a report equals the one in
``geoplan COMMAND --json`` for the same data and parameters.

A report is a list of :class:`Section`; each holds text, :class:`Table` and
:class:`Figure` items, or the Norwegian sentence saying why it was left out
(a missing layer, an analysis that failed). One list renders three
ways:

* HTML -- Jinja2 templates in ``templates/`` with the print CSS;
* PDF  -- the same HTML through WeasyPrint (A4, page numbers "Side n av m");
* XLSX -- XlsxWriter, one sheet per table, raw (unrounded) values.

Modules
-------
model       Section, Table, Column, Figure, Text, Omit; suppression of small counts
context     ReportContext, GrowthOptions, the section registry, build_sections
sections/   one module per section family (need, transit, schools, concentration, appendix)
maps        which layers each map draws; staticmaps draws them (scale bar, north arrow)
render      HTML, PDF and XLSX; build_report, render_report, write_report
site        the site report (checklist and map)

Public entry points
-------------------
build_report(dataset, config, fmt="pdf", sections=None, public=True) -> bytes
write_report(dataset, config, out_path, sections=None, public=True) -> Path
site_report_bytes(result, dataset, config, fmt="pdf") -> bytes
write_site_report(result, dataset, out_path, config) -> Path

Privacy: the concentration section is *always* aggregated to grunnkrets and
counts of municipal units below ``kommune.min_count_public`` (never below 1)
are suppressed ("prikket"), whatever ``public`` says, because the KPA report
goes on public hearing. ``public`` additionally suppresses small counts in the
site report.
"""

from geoplan.present.report.context import (  # noqa: F401
    APPENDIX_IDS,
    SECTION_HELP,
    SECTION_IDS,
    GrowthOptions,
    ReportContext,
    build_sections,
    parse_sections,
)
from geoplan.present.report.model import (  # noqa: F401
    MAX_HTML_ROWS,
    SENSITIVE_LAYERS,
    STATUS_ORDER,
    STATUS_TEXT,
    SUPPRESSED,
    Column,
    Figure,
    Heading,
    Omit,
    Section,
    Table,
    Text,
    fmt_number,
    min_count,
    parse_number,
    suppress_small,
)
from geoplan.present.report.render import (  # noqa: F401
    FORMATS,
    REPORT_TITLE,
    TEMPLATE_DIR,
    build_report,
    fmt_from_path,
    html_to_pdf,
    render_html,
    render_report,
    report_meta,
    sections_to_xlsx,
    write_report,
)
from geoplan.present.report.site import (  # noqa: F401
    SITE_TITLE,
    site_report_bytes,
    site_sections,
    threshold_text,
    write_site_report,
)
