"""What the workshop's own commands share on the command line."""

import argparse


class OneLineParser(argparse.ArgumentParser):
    """argparse, whose usage errors are one line, and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message}\n")
