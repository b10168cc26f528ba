"""What the tests and the measurements share: private Redis servers, clusters and Sentinels,
crowds of clients, benchmarks and the system's Chromium. What the learner's own commands run
on too (processes on free ports, a step's real server, a private Redis, the command log) is
the learner's, in workshop/. Nothing here is part of the lesson itself."""
