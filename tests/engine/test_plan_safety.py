"""The interlock's reading of a plan's change to the instance (`terraform show -json PLANFILE`)."""

from orchestrator.engine.plan_safety import replaces_boot_volume

SOURCE = {"source_type": "image", "source_id": "ocid1.image.one", "boot_volume_size_in_gbs": "50"}


def change(actions, after_source, unknown=None):
    return {
        "actions": actions,
        "before": {"source_details": [SOURCE], "state": "STOPPED"},
        "after": {"source_details": [after_source], "state": "RUNNING"},
        "after_unknown": {"source_details": [unknown or {}]},
    }


def test_an_in_place_source_details_change_replaces_the_boot_volume():
    assert replaces_boot_volume(change(["update"], {**SOURCE, "source_id": "ocid1.image.two"}))
    assert replaces_boot_volume(change(["update"], {"source_type": "image"}, {"source_id": True}))


def test_a_start_or_resize_leaves_the_boot_volume_alone():
    assert not replaces_boot_volume(change(["update"], SOURCE))
    assert not replaces_boot_volume(change(["no-op"], {**SOURCE, "source_id": "ocid1.image.two"}))
    assert not replaces_boot_volume({"actions": ["create"], "before": None, "after": {}})
