"""The bounds a scenario's numbers must keep, and why those bounds mean something.

Money is measured against the market's base price of 1, so no cost or price runs past a
hundred times it (a unit cost of 1e308 would overflow the accounts into inf and NaN);
counts of steps stay within the run-length limit; utilities and sensitivities stay within
a few orders of magnitude of the value scale (0-1).
"""

#: Largest price or cost per unit, purchase, customer-step or contact (money).
MAX_MONEY = 100.0
#: Largest cost of handling one complaint (money).
MAX_COMPLAINT_COST = 1000.0
#: Longest run, cycle, memory or window (steps).
MAX_STEPS = 100_000
#: Largest utility, bonus or band (value units; values are roughly 0-1).
MAX_VALUE = 10.0
#: Largest sensitivity or multiplier of a value (per unit price gap, per message).
MAX_SENSITIVITY = 100.0
#: Most customers in the market over a run (initial plus arrivals).
MAX_CUSTOMERS = 50_000_000
#: Above this many customers ``network.builder = 'auto'`` draws generator graphs with the
#: whole-array builders (one place: the network builder and the memory estimate read it).
ARRAY_BUILDER_THRESHOLD = 100_000
