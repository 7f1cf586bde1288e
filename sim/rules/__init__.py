"""The customer rules: small, pure, vectorised functions over state arrays.

One module per concept. Each function's docstring names the seed idea it implements
and the meaning and unit of its parameters; none of them knows about strategies.
"""
