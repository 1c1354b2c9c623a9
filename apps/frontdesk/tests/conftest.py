"""Fixtures of the front desk tests: the folios' own (a room type with three rooms and the
direct channel, a guest in the house with a folio, the payment methods), shared, not copied."""
from apps.folios.tests.conftest import folio, methods, order, rt

__all__ = ["folio", "methods", "order", "rt"]
