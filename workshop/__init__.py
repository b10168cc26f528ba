"""The learner's own commands, besides the two steps: check_python and side_by_side."""
