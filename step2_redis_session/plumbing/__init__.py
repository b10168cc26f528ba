"""The plumbing around the lesson: the server, and what the lesson's files need but do not teach.
"""
