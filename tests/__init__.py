"""The test suite. Imported before any test module, so before the product's modules."""

import os

# Thousands of accounts are made; argon2's production parameters cost ~0.2 s of CPU each.
# Processes the tests start inherit it. The product's own default is checked in
# tests/identity/test_hashing_parameters.py.
os.environ.setdefault("CLEARINGHOUSE_INSECURE_FAST_PASSWORD_HASHING", "1")
