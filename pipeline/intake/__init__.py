"""Intake: read every workbook of the inbox, identify it, normalise its values and check its
rows and the return as a whole, into a Validation (core/model.py)."""
