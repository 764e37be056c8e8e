"""Analysis: the figures of a validated period (consolidation, overlaps, the comparison with
the previous period, the status board), as plain DataFrames. Independent of intake/."""
