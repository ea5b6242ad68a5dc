"""A token without an assurance row, or a client without a policy, is a normal case; any
other failure while reading them surfaces instead of silently lowering what a token says."""

from __future__ import annotations

import pytest

from motcua.identity import oidc
from motcua.identity.models import TokenAssurance


class _Token:
    pk = 1

    def __init__(self, failure: Exception) -> None:
        self._failure = failure

    @property
    def assurance(self):
        raise self._failure


class _Client:
    redirect_uris = "https://dichvu.example.vn/cb"

    def __init__(self, policy) -> None:
        self._policy = policy

    @property
    def policy(self):
        if isinstance(self._policy, Exception):
            raise self._policy
        return self._policy


class _Policy:
    def __init__(self, pairwise: bool) -> None:
        self.pairwise_subject = pairwise


def test_a_token_without_an_assurance_row_has_none():
    assert oidc._assurance(_Token(TokenAssurance.DoesNotExist())) is None


def test_a_failure_reading_the_assurance_is_not_taken_for_no_assurance():
    with pytest.raises(RuntimeError):
        oidc._assurance(_Token(RuntimeError("database gone")))


def test_a_client_without_a_policy_sees_the_public_sub():
    # Django raises RelatedObjectDoesNotExist, an AttributeError, for a missing one-to-one row.
    class Missing(TokenAssurance.DoesNotExist, AttributeError):
        pass

    assert oidc.subject_for_client("abc", _Client(Missing())) == "abc"
    assert oidc.subject_for_client("abc", _Client(_Policy(False))) == "abc"
    assert oidc.subject_for_client("abc", None) == "abc"


def test_a_pairwise_client_sees_its_own_sub():
    sub = oidc.subject_for_client("abc", _Client(_Policy(True)))
    assert sub != "abc"
    assert sub == oidc.pairwise_sub("abc", "dichvu.example.vn")


def test_a_failure_reading_the_policy_is_not_taken_for_a_public_client():
    class Policy:
        @property
        def pairwise_subject(self):
            raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        oidc.subject_for_client("abc", _Client(Policy()))
