"""Cut a citable data release: changelog, data package, citation file, annotated git tag.

    python -m pipeline.release VERSION [--date YYYY-MM-DD]     # make release VERSION=2026.11.0

VERSION is YYYY.MM.N and must be higher than every earlier release. The release is
refused, and nothing is changed, when git has uncommitted changes or `dvc status`
reports a stage that is not up to date: a release is exactly what a commit rebuilds.
Otherwise, compared with the previous release tag (none: every model is new):

1. the changes go to `reports/changes.json` and `dvc repro` reruns the report, whose
   "Changes since the previous release" section reads that file;
2. the changelog (`python -m pipeline.diff`'s Markdown) is added to CHANGELOG.md;
3. `processed/datapackage.json` records size, sha256 and table schema of each table;
4. every `version` and `date-released` of CITATION.cff is set, and the file validated;
5. all of it is committed and tagged `vVERSION` (annotated).

The release date is --date, or else the date of the last commit: never the clock, so
the same commit always makes the same files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from pipeline import cli, diff
from pipeline.datapackage import build_package
from pipeline.io import write_json, write_text

VERSION_FORMAT = re.compile(r"^(\d{4})\.(0[1-9]|1[0-2])\.(0|[1-9]\d*)$")
TAG_PREFIX = "v"
CHANGELOG = Path("CHANGELOG.md")
CITATION = Path("CITATION.cff")
CFF_SCHEMA = Path(__file__).parent / "schemas" / "cff-1.2.0.schema.json"
DATAPACKAGE = "datapackage.json"  # beside the canonical tables
VERSION_LINE = re.compile(r"^(\s*)version:")
DATE_RELEASED_LINE = re.compile(r"^\s*date-released:")
SHOWN_PATHS = 10


class ReleaseRefused(Exception):
    """The release cannot be made; the message says why and what to do."""


# -- deciding (pure) ----------------------------------------------------------


def parse_version(version: str) -> tuple[int, int, int]:
    match = VERSION_FORMAT.match(version)
    if not match:
        raise ReleaseRefused(f"version '{version}' is not YYYY.MM.N (e.g. 2026.11.0)")
    return int(match[1]), int(match[2]), int(match[3])


def previous_release(tags: list[str], version: str) -> str | None:
    """The highest earlier release tag; refused if this version is not above every release."""
    wanted = parse_version(version)
    releases = {parse_version(tag[len(TAG_PREFIX):]): tag for tag in tags
                if tag.startswith(TAG_PREFIX) and VERSION_FORMAT.match(tag[len(TAG_PREFIX):])}
    if releases and max(releases) >= wanted:
        raise ReleaseRefused(f"{TAG_PREFIX}{version} is not above the latest release {releases[max(releases)]}")
    return releases[max(releases)] if releases else None


def check_date(date: str) -> str:
    """The date, if it is a real calendar date written YYYY-MM-DD."""
    try:
        if dt.date.fromisoformat(date).isoformat() == date:
            return date
    except ValueError:
        pass
    raise ReleaseRefused(f"release date '{date}' is not a date written YYYY-MM-DD")


def refusal_for_git_status(porcelain: str) -> str | None:
    paths = [line[3:] for line in porcelain.splitlines() if line.strip()]
    if not paths:
        return None
    more = len(paths) - SHOWN_PATHS
    shown = ", ".join(paths[:SHOWN_PATHS]) + (f" and {more} more" if more > 0 else "")
    return f"uncommitted changes in the git tree ({shown}): commit or stash them first"


def refusal_for_dvc_status(status: dict[str, Any]) -> str | None:
    if not status:
        return None
    return (f"`dvc status` reports stages that are not up to date ({', '.join(sorted(status))}): "
            "run `dvc repro` (make repro) and commit its results first")


def release_section(tag: str, date: str, changes: dict[str, Any]) -> str:
    return f"## {tag} ({date})\n\n" + diff.render_markdown(changes, level=3)


def changelog_with_section(changelog: str, section: str) -> str:
    """The changelog with the newest section first, below the header."""
    header, separator, releases = changelog.partition("\n## ")
    return header.rstrip("\n") + "\n\n" + section + (("\n## " + releases) if separator else "")


def citation_with_release(citation: str, version: str, date: str) -> str:
    """Every `version:` set to the version, each followed by `date-released:` (comments kept)."""
    if not any(VERSION_LINE.match(line) for line in citation.splitlines()):
        raise ReleaseRefused(f"{CITATION} has no 'version:' line to set")
    lines = []
    for line in citation.splitlines():
        match = VERSION_LINE.match(line)
        if match:
            lines += [f'{match[1]}version: "{version}"', f'{match[1]}date-released: "{date}"']
        elif not DATE_RELEASED_LINE.match(line):
            lines.append(line)
    return "\n".join(lines) + "\n"


def citation_problems(citation: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return sorted(f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
                  for error in validator.iter_errors(citation))


# -- acting (I/O) -------------------------------------------------------------


def run(args: list[str], capture: bool = True) -> str:
    result = subprocess.run(args, capture_output=capture, text=True)
    if result.returncode != 0:
        detail = f": {cli.one_line(result.stderr or result.stdout)}" if capture else ""
        raise RuntimeError(f"{' '.join(args)} failed{detail}")
    return result.stdout if capture else ""


def dvc(*args: str, capture: bool = True) -> str:
    return run([sys.executable, "-m", "dvc", *args], capture=capture)


def load_citation(text: str) -> dict[str, Any]:
    citation = yaml.safe_load(text)
    problems = citation_problems(citation, json.loads(CFF_SCHEMA.read_text(encoding="utf-8")))
    if problems:
        raise ReleaseRefused(f"{CITATION} does not validate against CFF 1.2.0: " + "; ".join(problems))
    return citation


def check_releasable() -> None:
    """Refuse (before anything is written) unless git and DVC are both clean."""
    for refusal in (refusal_for_git_status(run(["git", "status", "--porcelain", "--untracked-files=all"])),
                    refusal_for_dvc_status(json.loads(dvc("status", "--json") or "{}"))):
        if refusal:
            raise ReleaseRefused(refusal)


def make_release(version: str, date: str | None = None) -> str:
    """Make the release; returns its tag."""
    tag = f"{TAG_PREFIX}{version}"
    parse_version(version)  # the arguments first: a typo is refused before git or DVC run
    if date:
        check_date(date)
    previous = previous_release(run(["git", "tag", "--list"]).split(), version)
    check_releasable()
    date = check_date(date or run(["git", "log", "-1", "--format=%cs"]).strip())
    paths = diff.PIPELINE_PATHS

    # Everything that can fail is computed before the first file is written.
    citation_text = citation_with_release(CITATION.read_text(encoding="utf-8"), version, date)
    citation = load_citation(citation_text)
    new = diff.load_table(paths["models_csv"])
    old = diff.load_table(f"{previous}:{paths['models_csv']}") if previous else new.head(0)
    changes = diff.compare(old, new, previous, tag)

    write_json(Path(paths["changes"]), {"release": tag, "previous_release": previous, "changes": changes})
    dvc("repro", capture=False)
    tables = [Path(paths[name]) for name in ("models_csv", "models_parquet", "provenance", "matches", "conflicts")]
    descriptor = tables[0].parent / DATAPACKAGE
    write_json(descriptor, build_package(descriptor, tables, citation, version, date))
    changelog = CHANGELOG.read_text(encoding="utf-8")
    write_text(CHANGELOG, changelog_with_section(changelog, release_section(tag, date, changes)))
    write_text(CITATION, citation_text)

    summary = diff.summary_line(changes)
    run(["git", "add", "--all"])
    run(["git", "commit", "--quiet", "-m", f"Release {tag}\n\n{summary}"])
    run(["git", "tag", "--annotate", tag, "-m", f"modelscale {tag} ({date})\n\n{summary}"])
    return tag


def main(argv: list[str] | None = None) -> None:
    parser = cli.ArgumentParser("release", description=__doc__.splitlines()[0])
    parser.add_argument("version", help="YYYY.MM.N, above every earlier release")
    parser.add_argument("--date", help="release date YYYY-MM-DD (default: date of the last commit)")
    args = parser.parse_args(argv)
    try:
        tag = make_release(args.version, args.date)
    except (ReleaseRefused, ValueError) as error:  # ValueError: a table that cannot be compared
        cli.fail("release", f"refused: {error}")
    except (RuntimeError, OSError) as error:  # OSError: git cannot be run
        cli.fail("release", f"failed: {error} (`git status` shows what was written; no tag was made)")
    print(f"release: tagged {tag}. Publish it: git push origin HEAD {tag} && dvc push")


if __name__ == "__main__":
    cli.run(main)
