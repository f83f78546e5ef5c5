"""``init --ci github|gitlab``: a CI workflow for a content repository.

The CI system an organisation already uses is the engine past one machine: every pull
(merge) request is checked with its messages on the changed lines, a draft PDF is kept
as a downloadable artefact, and a version tag verifies the releases, attaches the
release PDF to the release and publishes the site (GitHub Pages / GitLab Pages). For a
workspace (``sopgen-workspace.toml``) every partner builds in a job of its own, over a
list that ``sopgen partners --json`` computes in the first job, so it never goes stale.

The workflow pins the sopgen that wrote it (``pip install "sopgen==X.Y.Z"``) and the
actions by major version. It is written once: an existing file is left alone unless
``force`` is given, and a new file appears whole or not at all.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sopgen import __version__
from sopgen.core.errors import SopgenError

CI_SYSTEMS = ("github", "gitlab")
CI_FILES = {"github": Path(".github/workflows/sopgen.yml"), "gitlab": Path(".gitlab-ci.yml")}
WORKSPACE_FILE = "sopgen-workspace.toml"
# What WeasyPrint needs from the system (as scripts/setup installs it), on Debian/Ubuntu.
SYSTEM_PACKAGES = ("libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core "
                   "fonts-dejavu-core")
SAFE_PATH = re.compile(r"^[A-Za-z0-9._/-]+$")  # goes into YAML and shell unquoted


def write_ci(folder: Path | str, system: str, *, force: bool = False) -> Path:
    """Write the workflow of ``system`` for the project or workspace at ``folder`` into
    its repository (the nearest folder with ``.git``, else ``folder``)."""
    root = Path(folder).resolve()
    workspace = (root / WORKSPACE_FILE).is_file()
    if not workspace and not (root / "content").is_dir():
        raise SopgenError.of("ci_no_project", path=root, file=WORKSPACE_FILE)
    repository = repository_root(root)
    inside = Path(os.path.relpath(root, repository)).as_posix()
    if not SAFE_PATH.fullmatch(inside):
        raise SopgenError.of("ci_unsafe_path", path=inside)
    text = workflow(system, inside, workspace=workspace)
    target = repository / CI_FILES[system]
    create_file(target, text.encode("utf-8"), replace=force)
    return target


def repository_root(folder: Path) -> Path:
    """The git repository holding ``folder``: the workflow belongs at its root."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def create_file(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write ``path`` whole or not at all; refuse to replace a file unless ``replace``."""
    if path.exists() and not replace:
        raise SopgenError.of("ci_file_exists", path=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)  # fails if the file appeared meanwhile
            except FileExistsError:
                raise SopgenError.of("ci_file_exists", path=path) from None
    finally:
        temporary.unlink(missing_ok=True)


def workflow(system: str, inside: str, *, workspace: bool, version: str = __version__) -> str:
    """The workflow text for a project (or workspace) at ``inside`` the repository."""
    templates = {("github", False): GITHUB_PROJECT, ("github", True): GITHUB_WORKSPACE,
                 ("gitlab", False): GITLAB_PROJECT, ("gitlab", True): GITLAB_WORKSPACE}
    text = templates[(system, workspace)]
    for token, value in (("@VERSION@", version), ("@PACKAGES@", SYSTEM_PACKAGES),
                         ("@PROJECT@", inside)):
        text = text.replace(token, value)
    return text


_GITHUB_HEAD = """\
# Written by sopgen @VERSION@ (sopgen init --ci github); it runs that same version.
# Newer sopgen: install it, then run `sopgen init --ci github --force` to rewrite this file.
#  - Every pull request: `sopgen check --strict`, its messages on the changed lines.
#  - Every pull request and push to main: a draft PDF, downloadable from the run's page.
#  - A version tag (`git tag v2.2.0` after `sopgen release`, committed, then
#    `git push --tags`): `sopgen verify`, the release PDF attached to the GitHub release,
#    and the site published to GitHub Pages (Settings > Pages > Source: GitHub Actions).
#    Pages are public: `sopgen publish` builds the public edition, and refuses a handbook
#    classified internal or confidential (publish that to an intranet instead).
name: sopgen

on:
  pull_request:
  push:
    branches: [main, master]
    tags: ["v*"]
  workflow_dispatch:

permissions:
  contents: read

"""

_GITHUB_SETUP = """\
      - uses: actions/checkout@v7
      - uses: actions/setup-python@v7
        with:
          python-version: "3.11"
"""

_GITHUB_SYSTEM = """\
      - name: Install what WeasyPrint needs to make PDFs
        run: sudo apt-get update && sudo apt-get install -y --no-install-recommends @PACKAGES@
"""

_GITHUB_INSTALL = """\
      - name: Install sopgen
        run: python -m pip install "sopgen==@VERSION@"
"""

_GITHUB_DEPLOY = """\
  pages:
    name: Publish to GitHub Pages
    needs: release
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    concurrency:
      group: pages
      cancel-in-progress: false
    steps:
      - name: Deploy the site
        id: deployment
        uses: actions/deploy-pages@v5
"""

GITHUB_PROJECT = (_GITHUB_HEAD + """\
jobs:
  check:
    name: Check the content
    runs-on: ubuntu-latest
    steps:
""" + _GITHUB_SETUP + _GITHUB_INSTALL + """\
      - name: Check (messages on the changed lines)
        run: sopgen check --strict --annotations github @PROJECT@

  draft:
    name: Draft PDF
    if: github.ref_type != 'tag'
    runs-on: ubuntu-latest
    steps:
""" + _GITHUB_SETUP + _GITHUB_SYSTEM + _GITHUB_INSTALL + """\
      - name: Build the draft PDF
        run: sopgen build --format pdf --output sopgen-output @PROJECT@
      - uses: actions/upload-artifact@v7
        with:
          name: handbook-draft
          path: sopgen-output/*/*.pdf
          if-no-files-found: error

  release:
    name: Verify and attach the release PDF
    if: github.ref_type == 'tag'
    needs: check
    runs-on: ubuntu-latest
    permissions:
      contents: write
    env:
      GH_TOKEN: ${{ github.token }}
      TAG: ${{ github.ref_name }}
    steps:
""" + _GITHUB_SETUP + _GITHUB_SYSTEM + _GITHUB_INSTALL + """\
      - name: Verify every release against its recorded digests
        run: sopgen verify @PROJECT@
      - name: Build the released version of the tag
        run: sopgen build --release "${TAG#v}" --format pdf --output sopgen-output @PROJECT@
      - name: Attach the PDF to the GitHub release
        run: |
          gh release view "$TAG" >/dev/null 2>&1 \\
            || gh release create "$TAG" --verify-tag --title "$TAG" --notes ""
          gh release upload "$TAG" sopgen-output/"${TAG#v}"/*.pdf --clobber

  site:
    name: Build the site (the public edition)
    needs: release
    runs-on: ubuntu-latest
    steps:
""" + _GITHUB_SETUP + _GITHUB_SYSTEM + _GITHUB_INSTALL + """\
      - name: Build the site of every released version
        run: sopgen publish --output sopgen-output @PROJECT@
      - uses: actions/upload-pages-artifact@v5
        with:
          path: sopgen-output/site

""" + _GITHUB_DEPLOY.replace("needs: release", "needs: site"))

_GITHUB_MATRIX = """\
    needs: partners
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        partner: ${{ fromJSON(needs.partners.outputs.list) }}
    env:
      PARTNER: ${{ matrix.partner }}
"""

_GITHUB_NAME = """\
      - name: Name the partner's artefacts
        id: name
        run: echo "safe=$(printf '%s' "$PARTNER" | tr -c 'A-Za-z0-9._-' '-')" >> "$GITHUB_OUTPUT"
"""

GITHUB_WORKSPACE = (_GITHUB_HEAD.replace(
    "#  - Every pull request:",
    "# A workspace: every partner of sopgen-workspace.toml builds in a job of its own.\n"
    "#  - Every pull request:") + """\
jobs:
  partners:
    name: List the partners
    runs-on: ubuntu-latest
    outputs:
      list: ${{ steps.partners.outputs.list }}
    steps:
""" + _GITHUB_SETUP + _GITHUB_INSTALL + """\
      - name: List the partners of the workspace
        id: partners
        working-directory: @PROJECT@
        run: echo "list=$(sopgen partners --json)" >> "$GITHUB_OUTPUT"

  check:
    name: Check ${{ matrix.partner }}
""" + _GITHUB_MATRIX + """\
    steps:
""" + _GITHUB_SETUP + _GITHUB_INSTALL + """\
      - name: Check (messages on the changed lines)
        run: sopgen check --strict --annotations github "@PROJECT@/$PARTNER"

  draft:
    name: Draft PDF of ${{ matrix.partner }}
    if: github.ref_type != 'tag'
""" + _GITHUB_MATRIX + """\
    steps:
""" + _GITHUB_SETUP + _GITHUB_SYSTEM + _GITHUB_INSTALL + _GITHUB_NAME + """\
      - name: Build the draft PDF
        working-directory: @PROJECT@
        run: >-
          sopgen build --workspace --partner "$PARTNER" --format pdf
          --output "$GITHUB_WORKSPACE/sopgen-output"
      - uses: actions/upload-artifact@v7
        with:
          name: handbook-draft-${{ steps.name.outputs.safe }}
          path: sopgen-output/**/*.pdf
          if-no-files-found: error

  github-release:
    name: Create the GitHub release
    if: github.ref_type == 'tag'
    needs: check
    runs-on: ubuntu-latest
    permissions:
      contents: write
    env:
      GH_TOKEN: ${{ github.token }}
      TAG: ${{ github.ref_name }}
    steps:
      - uses: actions/checkout@v7
      - name: Create the release of the tag, unless it exists
        run: |
          gh release view "$TAG" >/dev/null 2>&1 \\
            || gh release create "$TAG" --verify-tag --title "$TAG" --notes ""

  release:
    name: Verify and attach the release PDF of ${{ matrix.partner }}
    if: github.ref_type == 'tag'
    needs: [partners, github-release]
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        partner: ${{ fromJSON(needs.partners.outputs.list) }}
    permissions:
      contents: write
    env:
      PARTNER: ${{ matrix.partner }}
      GH_TOKEN: ${{ github.token }}
      TAG: ${{ github.ref_name }}
    steps:
""" + _GITHUB_SETUP + _GITHUB_SYSTEM + _GITHUB_INSTALL + _GITHUB_NAME + """\
      - name: Verify every release against its recorded digests (if it has any)
        run: |
          if ls "@PROJECT@/$PARTNER"/releases/*.yaml >/dev/null 2>&1; then
            sopgen verify "@PROJECT@/$PARTNER"
          fi
      - name: Build the partner's handbook, released or draft (as its content is)
        working-directory: @PROJECT@
        run: >-
          sopgen build --workspace --partner "$PARTNER" --format pdf
          --output "$GITHUB_WORKSPACE/sopgen-output"
      - name: Attach the released PDFs (never a draft) to the GitHub release
        run: |
          find sopgen-output -name '*.pdf' -not -path '*-draft*' -print0 \\
            | xargs -0 --no-run-if-empty gh release upload "$TAG" --clobber
      - name: Build the partner's site (if it has a release)
        env:
          SAFE: ${{ steps.name.outputs.safe }}
        run: |
          mkdir -p sopgen-site
          if ls "@PROJECT@/$PARTNER"/releases/*.yaml >/dev/null 2>&1; then
            sopgen publish --output "sopgen-output/$SAFE" "@PROJECT@/$PARTNER"
            mv "sopgen-output/$SAFE/site" "sopgen-site/$SAFE"
          fi
      - uses: actions/upload-artifact@v7
        with:
          name: site-${{ steps.name.outputs.safe }}
          path: sopgen-site/
          if-no-files-found: ignore

  site:
    name: Join the partners' sites
    needs: release
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v8
        with:
          pattern: site-*
          path: site
          merge-multiple: true
      - uses: actions/upload-pages-artifact@v5
        with:
          path: site

""" + _GITHUB_DEPLOY.replace("needs: release", "needs: site"))


_GITLAB_HEAD = """\
# Written by sopgen @VERSION@ (sopgen init --ci gitlab); it runs that same version.
# Newer sopgen: install it, then run `sopgen init --ci gitlab --force` to rewrite this file.
#  - Every merge request: `sopgen check --strict`, its messages as a Code Quality report.
#  - Every merge request and push to the default branch: a draft PDF, kept as the job's
#    artefact (download it from the pipeline's page).
#  - A version tag (`git tag v2.2.0` after `sopgen release`, committed, then
#    `git push --tags`): `sopgen verify`, the release PDF linked from the GitLab release,
#    and the site published to GitLab Pages: `sopgen publish` builds the public edition and
#    refuses a handbook classified internal or confidential (for an intranet, restrict the
#    Pages' access and add --edition internal to the pages job).
"""

_GITLAB_SOPGEN = """\
default:
  image: python:3.11-slim-bookworm

.sopgen:
  before_script:
    - apt-get update && apt-get install -y --no-install-recommends @PACKAGES@
    - python -m pip install "sopgen==@VERSION@"

"""

_GITLAB_RULES = """\
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""

_GITLAB_TAG_RULES = """\
  rules:
    - if: $CI_COMMIT_TAG =~ /^v[0-9]+[.][0-9]+[.][0-9]+$/
"""

GITLAB_PROJECT = (_GITLAB_HEAD + """\
stages: [check, build, release, deploy]

""" + _GITLAB_SOPGEN + """\
check:
  stage: check
  extends: .sopgen
  script:
    - sopgen check --strict --annotations gitlab --report gl-code-quality-report.json @PROJECT@
  artifacts:
    when: always
    reports:
      codequality: gl-code-quality-report.json
""" + _GITLAB_RULES + """\
    - if: $CI_COMMIT_TAG

draft:
  stage: build
  extends: .sopgen
  script:
    - sopgen build --format pdf --output sopgen-output @PROJECT@
  artifacts:
    name: handbook-draft
    paths:
      - sopgen-output/*/*.pdf
    expire_in: 30 days
""" + _GITLAB_RULES + """\

release-pdf:
  stage: build
  extends: .sopgen
  script:
    - sopgen verify @PROJECT@
    - VERSION="${CI_COMMIT_TAG#v}"
    - sopgen build --release "$VERSION" --format pdf --output sopgen-output @PROJECT@
    - echo "PDF_PATH=$(ls sopgen-output/"$VERSION"/*.pdf | head -n 1)" > release.env
  artifacts:
    paths:
      - sopgen-output/
    expire_in: never
    reports:
      dotenv: release.env
""" + _GITLAB_TAG_RULES + """\

release:
  stage: release
  image: registry.gitlab.com/gitlab-org/cli:latest
  needs: [release-pdf]
  script:
    - echo "Release $CI_COMMIT_TAG with $PDF_PATH"
  release:
    tag_name: $CI_COMMIT_TAG
    name: $CI_COMMIT_TAG
    description: Handbook $CI_COMMIT_TAG, made with sopgen @VERSION@.
    assets:
      links:
        - name: Handbook (PDF)
          url: $CI_PROJECT_URL/-/jobs/artifacts/$CI_COMMIT_TAG/raw/$PDF_PATH?job=release-pdf
          link_type: package
""" + _GITLAB_TAG_RULES + """\

pages:
  stage: deploy
  extends: .sopgen
  needs: [release-pdf]
  script:
    - sopgen publish --output sopgen-output @PROJECT@
    - rm -rf public && mv sopgen-output/site public
  artifacts:
    paths:
      - public
""" + _GITLAB_TAG_RULES)

# The partners' jobs run in a child pipeline whose file the first job writes: the
# fixed jobs below, then the matrix of partners from `sopgen partners --json`.
_GITLAB_CHILD = """\
default:
  image: python:3.11-slim-bookworm

stages: [check, build, deploy]

.sopgen:
  before_script:
    - apt-get update && apt-get install -y --no-install-recommends @PACKAGES@
    - python -m pip install "sopgen==@VERSION@"

check:
  stage: check
  extends: [.sopgen, .each-partner]
  script:
    - >-
      sopgen check --strict --annotations gitlab --report gl-code-quality-report.json
      "@PROJECT@/$PARTNER"
  artifacts:
    when: always
    reports:
      codequality: gl-code-quality-report.json

draft:
  stage: build
  extends: [.sopgen, .each-partner]
  script:
    - cd "@PROJECT@"
    - >-
      sopgen build --workspace --partner "$PARTNER" --format pdf
      --output "$CI_PROJECT_DIR/sopgen-output"
  artifacts:
    paths:
      - sopgen-output/
    expire_in: 30 days
  rules:
    - if: $CI_COMMIT_TAG == null

release-pdf:
  stage: build
  extends: [.sopgen, .each-partner]
  script:
    - |
      if ls "@PROJECT@/$PARTNER"/releases/*.yaml >/dev/null 2>&1; then
        sopgen verify "@PROJECT@/$PARTNER"
      fi
    - cd "@PROJECT@"
    - >-
      sopgen build --workspace --partner "$PARTNER" --format pdf
      --output "$CI_PROJECT_DIR/sopgen-output"
  artifacts:
    paths:
      - sopgen-output/
    expire_in: never
  rules:
    - if: $CI_COMMIT_TAG

release:
  stage: deploy
  image: registry.gitlab.com/gitlab-org/cli:latest
  needs: [release-pdf]
  script:
    - echo "Release $CI_COMMIT_TAG"
  release:
    tag_name: $CI_COMMIT_TAG
    name: $CI_COMMIT_TAG
    description: Handbooks $CI_COMMIT_TAG, made with sopgen @VERSION@, one job per partner.
    assets:
      links:
        - name: Handbooks (PDF), in the artefacts of each partner's release-pdf job
          url: $CI_PIPELINE_URL
          link_type: other
  rules:
    - if: $CI_COMMIT_TAG

pages:
  stage: deploy
  extends: .sopgen
  script:
    - mkdir -p public
    - |
      for partner in $(cd "@PROJECT@" && sopgen partners --json | tr -d '[]",'); do
        if ls "@PROJECT@/$partner"/releases/*.yaml >/dev/null 2>&1; then
          sopgen publish --output "sopgen-site/$partner" "@PROJECT@/$partner"
          mkdir -p "public/$(dirname "$partner")"
          mv "sopgen-site/$partner/site" "public/$partner"
        fi
      done
  artifacts:
    paths:
      - public
  rules:
    - if: $CI_COMMIT_TAG

.each-partner:
  parallel:
    matrix:
"""

GITLAB_WORKSPACE = (_GITLAB_HEAD.replace(
    "#  - Every merge request:",
    "# A workspace: every partner of sopgen-workspace.toml builds in a job of its own, in a\n"
    "# child pipeline that the first job writes from `sopgen partners --json`.\n"
    "#  - Every merge request:") + """\
stages: [plan, partners]

partners:
  stage: plan
  image: python:3.11-slim-bookworm
  script:
    - python -m pip install "sopgen==@VERSION@"
    - |
      cat > sopgen-partners.yml <<'END_OF_PIPELINE'
""" + "".join(f"      {line}\n" if line else "\n" for line in _GITLAB_CHILD.splitlines()) + """\
      END_OF_PIPELINE
    - 'echo "      - PARTNER: $(cd "@PROJECT@" && sopgen partners --json)" >> sopgen-partners.yml'
  artifacts:
    paths:
      - sopgen-partners.yml
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
    - if: $CI_COMMIT_TAG

each-partner:
  stage: partners
  needs: [partners]
  trigger:
    include:
      - artifact: sopgen-partners.yml
        job: partners
    strategy: depend
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
    - if: $CI_COMMIT_TAG
""")
