"""In an installed package: the shipped rules and templates (the checkout's rules/ and
templates/, mapped here by pyproject.toml), the defaults of every workspace."""
