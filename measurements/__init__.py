"""The scripts that make the docs' figures: the measurements, and the walkthroughs' pictures.

Each one is rerun on the final code before its figures go into a page, and the
page names the script. They are for maintainers; learners never need them.
"""
