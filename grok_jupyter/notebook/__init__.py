"""The layer shared by the notebook front ends (the magic and the panel): one user
turn (``turn``), named conversations, kernel functions as tools, prompt
interpolation, DataFrame descriptions and the throttled display."""
