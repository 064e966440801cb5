from tests.factories import ClickFactory, ConversionFactory


def test_factories_build_a_consistent_network(app):
    click = ClickFactory()
    conversion = ConversionFactory()
    assert click.publisher_id and conversion.offer_id


def test_dashboard_renders_for_each_role(admin_client, publisher_client, advertiser_client):
    for c in (admin_client, publisher_client, advertiser_client):
        assert c.get("/").status_code == 200
