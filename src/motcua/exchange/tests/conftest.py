import datetime as dt
import time
import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from motcua.exchange import services
from motcua.registries.models import Person

PID = "001085012345"
OTHER_PID = "079301004567"
AUDIENCE = "http://testserver/api/v1/exchange"


@pytest.fixture
def person(db):
    return Person.objects.create(
        personal_id=PID,
        full_name="Nguyễn Văn An",
        birth_date=dt.date(1985, 3, 2),
        sex="M",
        birth_place_code="00004",
        permanent_commune_code="00004",
        permanent_address="Số 1 Hàng Bạc",
        province_code="01",
        marital_status="single",
    )


@pytest.fixture
def key():
    return ECKey.generate_key("P-256")


@pytest.fixture
def consumer(db, key):
    services.sync_services()
    return services.register_consumer(
        "ubnd-hoan-kiem",
        "UBND phường Hoàn Kiếm",
        key.as_dict(private=False),
        kind="agency",
        actor="test",
    )


@pytest.fixture
def assertion(key):
    def make(**overrides):
        now = int(time.time())
        claims = {
            "iss": "ubnd-hoan-kiem",
            "sub": "ubnd-hoan-kiem",
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 120,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        signing_key = claims.pop("_key", key)
        return jwt.encode({"alg": "ES256"}, claims, signing_key, algorithms=["ES256"])

    return make
