"""The steps as a learner runs them, for the tests and the measurements: a real server on a free
port, and the login that most of them post."""

import sys

from workshop.processes import ROOT, Process, free_port

#: The article's login, which most tests and measurements post, and the name it greets.
ZHANG_SAN = {"usr": "张三", "psd": "123"}


class StepServer(Process):
    """A server started with python -m MODULE on 127.0.0.1, as a learner starts a step.

    It is ready once it prints "Open http…"; url is where it answers. python is
    the interpreter (a learner's venv, say); cpus pins it, as Process does.
    """

    def __init__(self, module, *args, port=None, env=None, cwd=ROOT, python=sys.executable,
                 cpus=None):
        port = port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        super().__init__([python, "-m", module, *args], port, cwd=cwd, cpus=cpus,
                         env={"PORT": str(port), **(env or {})}, ready_text="Open http")

    @property
    def banner(self):
        """What it printed up to "Open http://…", the line that says it is ready."""
        text = self.output()
        return text[:text.index("\n", text.index("Open http")) + 1]
