"""The reporting cycle around a run: e-mail to the agencies, the history of periods, the
year's report, and loading the official action matrix."""
