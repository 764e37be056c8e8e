"""The lowest layer: the records every step passes on (model), the problem catalogue, the rules
and texts, Indonesian formatting, and the small file and process helpers every layer uses.
It imports nothing of the layers above."""
