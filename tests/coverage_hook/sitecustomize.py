"""Starts coverage in a colour's Python when the tests measure coverage.

A colour runs in its release's own environment, which has no coverage
package (production never needs one): tests/conftest.py puts this folder on
the colour's PYTHONPATH, and COVERAGE_PROCESS_CONFIG (set by `coverage run`
with `patch = subprocess`) reaches the colour through supervisord's
environment. Python imports this module at start-up; it finds coverage in
COVERAGE_VENV_SITE, a folder holding the development venv's coverage package
and nothing else (tests/conftest.py), after everything the release provides.
"""

import os
import sys

if os.environ.get("COVERAGE_PROCESS_CONFIG") and os.environ.get("COVERAGE_VENV_SITE"):
    sys.path.append(os.environ["COVERAGE_VENV_SITE"])
    import coverage

    coverage.process_startup()
