"""Is this Python new enough for the workshop? python3 -m workshop.check_python

The quick start's first command, so that a Python that is too old gets one line
that says what to do, not a wall of pip errors. Written for any Python: no
f-strings, nothing imported that an old one lacks.

The workshop needs 3.10 or newer: redis-py 8 needs it, and 3.9 has been past its
end of life since October 2025 (macOS's Command Line Tools still install it as
python3; python.org and Homebrew have newer ones).
"""

import sys

OLDEST = (3, 10)

if sys.version_info[:2] < OLDEST:
    sys.stderr.write(
        "Python %d.%d is too old: this workshop needs Python %d.%d or newer. Get one from "
        "https://www.python.org/downloads/, Homebrew (brew install python@3.13), or your "
        "distribution's packages.\n" % (sys.version_info[:2] + OLDEST))
    sys.exit(1)
print("Python %d.%d: good, go on." % sys.version_info[:2])
