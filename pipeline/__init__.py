"""ranpe-pipeline: collect, validate and consolidate RAN PE reports from Excel workbooks."""

__version__ = "0.1.0"
