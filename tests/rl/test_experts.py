from openended.rl.policies import snapshot_updates


def test_snapshots_are_evenly_spaced_and_the_last_is_the_end():
    assert snapshot_updates(100, 4) == [25, 50, 75, 100]
    assert snapshot_updates(10, 3) == [3, 7, 10]
    assert snapshot_updates(3, 10) == [1, 2, 3]  # more snapshots than updates: one per update
