from support import LIFECYCLE
from support import complete_next


def test_lifecycle_runs_to_the_end(engine, officer):
    engine.deploy([LIFECYCLE])
    instance_id = engine.start("bench_lifecycle", actor=officer, business_key="PKS-1")
    answers = [
        ("propose", {"title": "draft 1"}),
        ("review", {"verdict": "ok"}),
        ("negotiate", {"rounds": 3}),
        ("sign", {"signed": True}),
        ("monitor", {"score": 5}),
    ]
    for name, data in answers:
        complete_next(engine, instance_id, data, officer, name)

    info = engine.get_instance(instance_id)
    assert info.status == "completed"
    assert engine.instance_data(instance_id)["doc_no"] == "PKS/3/2025"
