"""The ``ChatPanel`` chat widget (``widget``) and its HTML rendering (``render``)."""
