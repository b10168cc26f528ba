"""Scripts that anyone can rerun: the pictures in the READMEs, and the benchmark."""
