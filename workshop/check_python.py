"""Is this Python right for the workshop? python3 -m workshop.check_python

The quick start's first command, so that a Python that is too old gets one line
that says what to do, not a wall of pip errors. Written for any Python: no
f-strings, nothing imported that an old one lacks.

The workshop needs 3.10 or newer: redis-py 8 needs it, and 3.9 has been past its
end of life since October 2025 (macOS's Command Line Tools still install it as
python3; python.org and Homebrew have newer ones). 3.10 reached its own end of
life in October 2026, but it is Ubuntu 22.04's python3, which many learners have.

This file is the one home of the supported range: harness/pythons.py (and so
.ci/run and .ci/debian-pythons) reads TESTED, and .ci/refresh-pins asks --list.
"""

import sys

#: The Pythons that CI tests, oldest first (.ci/run tests each one it can get).
TESTED = [(3, 10), (3, 11), (3, 12), (3, 13), (3, 14), (3, 15)]
OLDEST, NEWEST = TESTED[0], TESTED[-1]


def verdict(version):
    """(exit status, the line to print) for a Python of version (major, minor)."""
    if version < OLDEST:
        return 1, ("Python %d.%d is too old: this workshop needs Python %d.%d or newer. Get one "
                   "from https://www.python.org/downloads/, Homebrew (brew install python@3.13), "
                   "or your distribution's packages." % (version + OLDEST))
    if version > NEWEST:
        return 0, ("Python %d.%d: newer than any the workshop was tested on (%d.%d to %d.%d). "
                   "It will probably work: go on, and tell the organiser if something breaks."
                   % (version + OLDEST + NEWEST))
    return 0, "Python %d.%d: tested, good, go on." % version


def main():
    if sys.argv[1:] == ["--list"]:
        print(" ".join("%d.%d" % version for version in TESTED))
        return
    status, line = verdict(tuple(sys.version_info[:2]))
    (sys.stderr if status else sys.stdout).write(line + "\n")
    sys.exit(status)


if __name__ == "__main__":
    main()
