"""Build tools of the workbook: split, strip, execute and merge notebooks.

See tools/README.md for the pipeline and its conventions.
"""
