"""`make bench`: speed and cost of the line, side by side with a minimal baseline
app measured in the same run. Not tests: nothing here asserts a time.

One concern per module; run.py puts them together."""
