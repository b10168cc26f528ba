"""What the tests import, and the measurements too: processes on free ports, private Redis
servers, and the system's Chromium. Nothing here is part of the workshop itself."""
