"""Password hashing parameters: the product's default, and the suite's cheaper one."""

from argon2 import Type, extract_parameters, profiles

from clearinghouse.identity import hashing


def test_the_product_hashes_with_argon2id_at_rfc_9106_low_memory_parameters() -> None:
    hasher = hashing.hasher_for({})
    parameters = extract_parameters(hasher.hash("correct horse battery"))
    assert parameters.type is Type.ID
    assert parameters.memory_cost == profiles.RFC_9106_LOW_MEMORY.memory_cost == 65536
    assert parameters.time_cost == profiles.RFC_9106_LOW_MEMORY.time_cost


def test_only_the_exact_opt_in_value_selects_the_test_parameters() -> None:
    for value in ("0", "", "yes", "true"):
        hasher = hashing.hasher_for({hashing.FAST_HASHING_VARIABLE: value})
        assert extract_parameters(hasher.hash("x" * 12)).memory_cost == 65536
    cheap = hashing.hasher_for({hashing.FAST_HASHING_VARIABLE: "1"})
    assert extract_parameters(cheap.hash("x" * 12)).type is Type.ID


def test_a_cheap_hash_is_upgraded_by_an_instance_with_the_defaults() -> None:
    cheap = hashing.hasher_for({hashing.FAST_HASHING_VARIABLE: "1"}).hash("x" * 12)
    production = hashing.hasher_for({})
    assert production.verify(cheap, "x" * 12)
    assert production.check_needs_rehash(cheap)
