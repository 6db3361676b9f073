"""The detailed plan's rules as pure functions: geometry and frozen rule records in, results out.

No ORM and no request here (STYLE.md): selectors feed these functions, the workflow stores their
results with the plan version used.
"""
