from argon2 import extract_parameters

from grants.platform import passwords


def test_argon2id_at_or_above_owasp_minimum():
    params = extract_parameters(passwords.hash_password("a sufficiently long passphrase"))
    print(f"argon2 parameters: type={params.type.name} m={params.memory_cost}KiB t={params.time_cost} p={params.parallelism}")
    assert params.type.name == "ID"
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2 and params.parallelism >= 1


def test_verify_and_reject():
    stored = passwords.hash_password("correct horse battery staple")
    assert passwords.verify_password(stored, "correct horse battery staple")
    assert not passwords.verify_password(stored, "wrong")
    assert not passwords.verify_password(None, "anything")
    assert not passwords.verify_password("not-a-hash", "anything")


def test_policy():
    assert passwords.policy_problem("short") == "too_short"
    assert passwords.policy_problem("x" * 129) == "too_long"
    assert passwords.policy_problem("Password1") == "common"
    assert passwords.policy_problem("chenmeiling-2026", user_inputs=("chenmeiling",)) == "personal"
    assert passwords.policy_problem("紅紫荊計劃真好看") is None  # 8 characters, non-Latin is fine
    assert passwords.policy_problem("a" * 64) is None


def test_the_fast_test_hashing_is_argon2id_and_only_for_testing_apps(tmp_path):
    """The suite signs in thousands of times at a trivial argon2id cost; an app that is not
    TESTING hashes at the production cost whatever its configuration says."""
    from grants import create_app

    url = f"sqlite:///{tmp_path}/x.sqlite"
    testing = create_app({"TESTING": True, "PASSWORD_HASH_FAST_FOR_TESTS": True, "SQLALCHEMY_DATABASE_URI": url})
    with testing.app_context():
        fast = passwords.hash_password("a sufficiently long passphrase")
        assert passwords.verify_password(fast, "a sufficiently long passphrase")
        assert not passwords.verify_password(None, "a sufficiently long passphrase")
        assert not passwords.needs_rehash(fast)
    assert extract_parameters(fast).type.name == "ID"
    assert extract_parameters(fast).memory_cost < 19 * 1024

    not_testing = create_app({"PASSWORD_HASH_FAST_FOR_TESTS": True, "SQLALCHEMY_DATABASE_URI": url})
    with not_testing.app_context():
        params = extract_parameters(passwords.hash_password("a sufficiently long passphrase"))
        assert passwords.needs_rehash(fast)  # a production app upgrades such a hash at the next sign-in
    assert params.type.name == "ID"
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19 * 1024, 2, 1)
