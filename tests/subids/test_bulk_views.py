"""Bulk create over HTTP: paste or upload → preview (nothing saved) → confirm (checked again, one transaction)."""
import io
import re
from html import unescape

from sqlalchemy import select

from portal.extensions import db
from portal.subids.csv_import import MAX_BYTES
from portal.subids.models import SubId
from tests.factories import SubIdFactory
from tests.subids.conftest import body

URL = "/sub-ids/bulk"


def values(publisher_id):
    return sorted(db.session.scalars(select(SubId.external_id).where(SubId.publisher_id == publisher_id)))


def preview(client, **data):
    return client.post(f"{URL}/preview", data={"csrf_token": client.csrf_token(), **data}, content_type="multipart/form-data")


def confirm_fields(html):
    """The hidden kind and payload the preview carries to the confirm step."""
    kind = re.search(r'name="kind" type="hidden" value="([^"]*)"', html).group(1)
    payload = re.search(r'name="payload" type="hidden" value="([^"]*)"', html).group(1)
    return unescape(kind), unescape(payload)


def confirm(client, kind, payload):
    return client.post(f"{URL}/create", data={"csrf_token": client.csrf_token(), "kind": kind, "payload": payload})


def test_the_bulk_page_offers_paste_and_upload(publisher_client):
    response = publisher_client.get(URL)
    html = body(response)
    assert response.status_code == 200 and 'name="lines"' in html and 'name="file"' in html and 'enctype="multipart/form-data"' in html


def test_pasted_lines_are_previewed_then_only_the_valid_ones_created(publisher_client, publisher, their_sub):
    SubIdFactory(publisher=publisher, external_id="exists")
    db.session.commit()
    text = "fresh_1,Fresh one\nfresh_1,Again\nexists\nbad value\nfresh_2\tTabbed name\n" + "x" * 51 + "\ntheir_secret\n"
    response = preview(publisher_client, lines=text)
    html = body(response)
    assert response.status_code == 200
    assert values(publisher.id) == ["exists"]  # nothing is saved by a preview
    assert re.search(r"<strong>3</strong> to create ·\s*<strong>4</strong> refused", html)
    assert "Duplicate of line 1 in this input." in html and "You already have this sub ID." in html
    assert "Use only letters" in html and "Keep the sub ID to 50 characters (this one has 51)." in html
    kind, payload = confirm_fields(html)
    assert kind == "paste" and payload == text
    done = confirm(publisher_client, kind, payload)
    assert done.status_code == 303 and done.headers["Location"].endswith("/sub-ids")
    assert values(publisher.id) == ["exists", "fresh_1", "fresh_2", "their_secret"]
    assert db.session.scalar(select(SubId.name).where(SubId.external_id == "fresh_2")) == "Tabbed name"
    listing = body(publisher_client.get("/sub-ids"))
    assert "Created 3 sub IDs. 4 lines were refused, as the preview showed." in listing


def test_an_uploaded_csv_with_a_bom_is_previewed_and_created(publisher_client, publisher):
    data = "\ufeffexternal_id,name,description,external_link\r\nfb,Facebook,\"Paid, social\",https://ads.example/1\r\nfb,Dup,,\r\n".encode()
    response = preview(publisher_client, file=(io.BytesIO(data), "subs.csv"))
    html = body(response)
    assert response.status_code == 200 and re.search(r"<strong>1</strong> to create ·\s*<strong>1</strong> refused", html)
    kind, payload = confirm_fields(html)
    assert kind == "csv"
    assert confirm(publisher_client, kind, payload).status_code == 303
    sub = db.session.scalar(select(SubId).where(SubId.publisher_id == publisher.id))
    assert (sub.external_id, sub.name, sub.description, sub.external_link) == ("fb", "Facebook", "Paid, social", "https://ads.example/1")


def test_a_file_that_cannot_be_imported_is_explained_on_the_form(publisher_client):
    no_header = preview(publisher_client, file=(io.BytesIO(b"fb,Facebook\n"), "subs.csv"))
    assert no_header.status_code == 400 and "first row must be the header" in body(no_header)
    wrong = preview(publisher_client, file=(io.BytesIO(b"external_id,colour\nfb,red\n"), "subs.csv"))
    assert wrong.status_code == 400 and "Unknown column: colour" in body(wrong)
    rows = "\n".join(f"s{n}" for n in range(5001))
    too_many = preview(publisher_client, file=(io.BytesIO(f"external_id\n{rows}\n".encode()), "subs.csv"))
    assert too_many.status_code == 400 and "more than 5,000" in body(too_many)
    too_big = preview(publisher_client, file=(io.BytesIO(b"external_id\n" + b"a" * MAX_BYTES), "subs.csv"))
    assert too_big.status_code == 400 and "larger than 1,024 KB" in body(too_big)
    latin = preview(publisher_client, file=(io.BytesIO("external_id\ncafé\n".encode("latin-1")), "subs.csv"))
    assert latin.status_code == 400 and "not UTF-8" in body(latin)
    empty = preview(publisher_client, lines="  \n")
    assert empty.status_code == 400 and "Paste some sub IDs or choose a CSV file." in body(empty)


def test_nothing_valid_means_no_confirm_button(publisher_client):
    html = body(preview(publisher_client, lines="bad value\n"))
    assert 'name="payload"' not in html and "Nothing here can be created." in html


def test_a_large_paste_is_carried_through_preview_and_confirm(publisher_client, publisher):
    text = "\n".join(f"sub_{n:04d},Name {n},{'d' * 150}" for n in range(5000))  # ~0.85 MB, over the default form field limit
    response = preview(publisher_client, lines=text)
    assert response.status_code == 200 and "<strong>5,000</strong> to create" in body(response)
    assert confirm(publisher_client, *confirm_fields(body(response))).status_code == 303
    assert len(values(publisher.id)) == 5000


def test_the_confirm_step_checks_the_input_again(publisher_client, publisher):
    html = body(preview(publisher_client, lines="one\ntwo\n"))
    SubIdFactory(publisher=publisher, external_id="two")  # added meanwhile, e.g. in another tab
    db.session.commit()
    assert confirm(publisher_client, "paste", confirm_fields(html)[1] + "\n<script>\n").status_code == 303
    assert values(publisher.id) == ["one", "two"]
    assert "Created 1 sub ID. 2 lines were refused" in body(publisher_client.get("/sub-ids"))


def test_bulk_steps_need_the_form_token(publisher_client, publisher):
    assert publisher_client.post(f"{URL}/preview", data={"lines": "one"}, csrf=False).status_code == 400
    refused = publisher_client.post(f"{URL}/create", data={"kind": "paste", "payload": "one"}, csrf=False)
    assert refused.status_code == 303 and values(publisher.id) == []
    odd = confirm(publisher_client, "xml", "one")
    assert odd.status_code == 303 and values(publisher.id) == []


def test_a_script_in_bulk_input_is_shown_as_text(publisher_client):
    html = body(preview(publisher_client, lines='ok,<script>alert(1)</script>\n<script>x</script>\n'))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>x</script>" not in html
