"""The classroom app: a Mesa SolaraViz page of one market (``trustmarket app``), its
components, live controls, and the offline front-end assets.

The top layer: imports the market model and reports; nothing imports it.
"""
