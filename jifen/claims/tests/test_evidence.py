import io
from pathlib import Path

import pytest
from PIL import Image

from jifen.claims import evidence as ev
from jifen.claims import services
from jifen.claims.models import Claim, ClaimEvidence, Evidence
from jifen.claims.selectors import claim_evidence, evidence_visible_to
from jifen.claims.testing import local, photo
from jifen.core.errors import InvalidInput


def declare(setup, evidence, **kw):
    w = setup.world
    return services.claim_declare(
        actor=kw.pop("actor", w.member), scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.help,
        occurred_at=local(2026, 3, 5, 9), description="修水管", place="一组", evidence=evidence, **kw,
    )


def stored_bytes(evidence):
    return ev.evidence_path(evidence).read_bytes()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_and_gps_are_gone_from_the_stored_file(setup, fmt):
    original = photo(fmt)
    assert b"JifenCam" in original  # the upload does carry EXIF

    claim = declare(setup, [original])
    [stored] = claim_evidence(claim=claim)

    data = stored_bytes(stored)
    assert b"JifenCam" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == fmt
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info and "xmp" not in image.info
        assert image.size == (64, 48)
    assert stored.format == fmt.lower()
    assert stored.captured_at == local(2026, 3, 5, 9, 15)  # DateTimeOriginal kept as a field


def test_files_live_under_their_content_hash_outside_static_with_a_thumbnail(setup, settings):
    claim = declare(setup, [photo(size=(800, 600))])
    [stored] = claim_evidence(claim=claim)
    path = ev.evidence_path(stored)
    assert path == Path(settings.MEDIA_ROOT) / "evidence" / stored.sha256[:2] / f"{stored.sha256}.jpg"
    import hashlib

    assert hashlib.sha256(path.read_bytes()).hexdigest() == stored.sha256
    assert not str(path).startswith(str(settings.STATIC_ROOT))
    with Image.open(ev.evidence_path(stored, thumb=True)) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (320, 240)


def test_the_same_photo_is_stored_once(setup):
    first = declare(setup, [photo()])
    second = declare(setup, [photo()])
    assert Evidence.objects.count() == 1
    assert ClaimEvidence.objects.filter(claim__in=[first, second]).count() == 2


def test_a_file_named_jpg_that_is_not_an_image_is_refused(setup):
    bogus = io.BytesIO(b"this is not a photo at all")
    bogus.name = "photo.jpg"
    with pytest.raises(InvalidInput) as refused:
        declare(setup, [bogus])
    assert refused.value.code == "evidence_bad_type"
    assert Claim.objects.count() == 0 and Evidence.objects.count() == 0


def test_a_gif_is_refused_by_content(setup):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(InvalidInput) as refused:
        declare(setup, [out.getvalue()])
    assert refused.value.code == "evidence_bad_type"
    assert "GIF" in refused.value.zh
    assert Claim.objects.count() == 0


def test_a_truncated_jpeg_is_refused(setup):
    data = photo(size=(200, 200))
    with pytest.raises(InvalidInput) as refused:
        declare(setup, [data[: len(data) // 2]])
    assert refused.value.code == "evidence_bad_type"


def test_a_photo_over_10_mb_is_refused(setup):
    big = photo() + b"\0" * (10 * 1024 * 1024)
    with pytest.raises(InvalidInput) as refused:
        declare(setup, [big])
    assert refused.value.code == "evidence_too_large"
    assert "10 MB" in refused.value.zh
    assert Claim.objects.count() == 0 and Evidence.objects.count() == 0


def test_at_most_nine_photos_per_claim(setup):
    photos = [photo(colour=(i * 20, 0, 0)) for i in range(10)]
    with pytest.raises(InvalidInput) as refused:
        declare(setup, photos)
    assert refused.value.detail == {"field": "evidence"}
    assert Claim.objects.count() == 0
    claim = declare(setup, photos[:9])
    assert claim.evidence_links.count() == 9
    with pytest.raises(InvalidInput):
        services.claim_evidence_add(actor=setup.world.member, claim=claim, evidence=[photos[9]])
    assert claim.evidence_links.count() == 9


def test_photos_can_be_added_while_the_claim_is_undecided(setup):
    claim = services.claim_declare(
        actor=setup.world.member, scheme=setup.scheme, subject=setup.world.zhangsan.subject, item=setup.mediate, points=10,
        occurred_at=local(2026, 3, 5, 9), description="调解", place="村委",
    )
    assert services.claim_evidence_add(actor=setup.world.member, claim=claim, evidence=[photo("PNG")]) == 1
    assert [e.format for e in claim_evidence(claim=claim)] == ["png"]


def test_evidence_is_visible_only_to_people_who_may_see_the_claim(setup):
    w = setup.world
    claim = declare(setup, [photo()])
    [stored] = claim_evidence(claim=claim)
    assert evidence_visible_to(user=w.member, evidence=stored)  # the subject (and uploader)
    assert evidence_visible_to(user=w.recorder, evidence=stored)  # the grid's recorder
    assert evidence_visible_to(user=w.reviewer, evidence=stored)
    assert not evidence_visible_to(user=w.neighbour, evidence=stored)
    assert not evidence_visible_to(user=w.outsider, evidence=stored)
    assert not evidence_visible_to(user=None, evidence=stored)
