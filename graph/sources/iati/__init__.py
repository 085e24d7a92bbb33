"""IATI activity XML (2.01, 2.02, 2.03) to `Project` records, streaming.

    projects, problems = read_iati_files([Path("data/iati")], root=Path("data"))
    for item in read_iati_file(path):          # Project or Problem, in file order
        ...

Each file becomes one `Source` (key `iati/{file stem}`, kind "iati", SHA-256 of its
bytes); every record carries `Where(file, line)` and `project.lines` notes the line
of each top-level field. Codes, percentages and dates are kept as stated: whether a
code is in its codelist, percentages sum to 100 or a start precedes its end is for
the shared checks (`graph.sources.checks`), not for this reader.

What is an error and what a warning (a build fails on errors only):

errors - the input cannot be read, or a record would be wrong or lost:
  malformed XML (the parser's message and line; activities before it are still read),
  a root that is not <iati-activities>, IATI version 1.x, a file that cannot be opened,
  an activity without <iati-identifier> or with an empty one (skipped, but still read
  through so its other problems are reported), the same identifier twice in a file or
  in two files (both places named; the later one is skipped), a second reporting-org,
  activity-status or iati-identifier (ignored), a required attribute missing
  (participating-org/@role, sector/@code, ...; that element is skipped), a number or
  date that does not parse (also loan rates, loan-status amounts and years, fss dates
  and forecasts, budget-item percentages), a boolean that is not 1/0/true/false
  (other-flags @significance, conditions @attached, fss @priority), a second
  crs-add, fss, conditions or country-budget-items (ignored), an amount without
  currency and without default-currency, a transaction without type, date or value,
  a point off the globe, and, with `xsd=True`, every XSD 2.03 error.
warnings - read, but something is missing or simplified:
  a version devkg does not know (read as 2.03) or no version, a 2.01/2.02 file with
  `xsd=True` (devkg holds only the 2.03 schema), an activity without title, a
  participating-org that names no organisation, a condition without narrative, a
  non-numeric indicator value (kept in the comment) and further baselines/targets/
  actuals (only the first is kept, with its document links).

Differences of 2.01 handled: description without @type (taken as 1, general),
booleans written `true`/`false`, budgets without @status, empty <capital-spend/>.
"""

from graph.sources.iati.importing import IatiImportError, Imported, import_iati, import_sources
from graph.sources.iati.places import PlaceIndex
from graph.sources.iati.reader import org_names, read_iati_file, read_iati_files, validate_xsd

__all__ = ["IatiImportError", "Imported", "PlaceIndex", "import_iati", "import_sources", "org_names",
           "read_iati_file", "read_iati_files", "validate_xsd"]
