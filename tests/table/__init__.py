"""Tests of the table map: map_rows, df.grok.map, %grok map, batches."""
