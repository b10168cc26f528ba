"""What the tests import, and the measurements and the workshop's own checks too: processes on
free ports, private Redis servers, a step's real server, crowds of clients, and the system's
Chromium. Nothing here is part of the lesson itself."""
