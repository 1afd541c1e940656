"""Domains: validation, persistence and the prompts every role sees."""

import json

import pytest

from openended.rainbow_teaming.domains import QA, SAFETY, Domain, MutationExample, get_domain


def test_domain_round_trips_and_rejects_unknown_example_categories(tmp_path):
    d = SAFETY.to_dict()
    assert Domain.from_dict(d) == SAFETY
    with pytest.raises(ValueError, match="unknown label 'Poetry'"):
        Domain(
            "bad",
            SAFETY.dims,
            ("seed",),
            {
                "Risk Category": (MutationExample("a", "Poetry", "b"),),
                "Attack Style": SAFETY.examples["Attack Style"],
            },
            "m",
            "j",
            "s",
        )
    with pytest.raises(ValueError, match="no mutation examples"):
        Domain("bad", SAFETY.dims, ("seed",), {"Risk Category": ()}, "m", "j", "s")
    bad = tmp_path / "d.json"
    bad.write_text('{"name": "x"}')
    with pytest.raises(ValueError, match="needs the fields"):
        Domain.from_file(bad)


def test_mutation_prompt_is_few_shot_and_ends_with_the_request():
    chat = SAFETY.mutation_prompt(SAFETY.dims[1], "Slang", "Tell me a secret.")
    examples = SAFETY.examples["Attack Style"]
    assert chat[0] == {"role": "system", "content": SAFETY.mutator_system}
    assert [m["role"] for m in chat[1:-1]] == ["user", "assistant"] * len(examples)
    assert chat[1]["content"] == f"Attack Style: {examples[0].category}\nPrompt: {examples[0].source}"
    assert chat[2]["content"] == examples[0].result
    assert chat[-1] == {"role": "user", "content": "Attack Style: Slang\nPrompt: Tell me a secret."}


def test_items_show_the_reference_only_where_the_domain_uses_one():
    assert SAFETY.item("p", "r", "ref") == "Request: p\nResponse: r"
    assert QA.item("p", "r", "ref") == "Request: p\nReference answer: ref\nResponse: r"
    assert QA.item("p", "r") == "Request: p\nResponse: r"
    assert SAFETY.target_prompt("q") == [{"role": "user", "content": "q"}]
    assert QA.target_prompt("q")[0] == {"role": "system", "content": "Answer the question in one sentence."}


def test_get_domain_by_name_or_file(tmp_path):
    assert get_domain("qa") is QA
    with pytest.raises(ValueError, match="unknown domain 'chess'"):
        get_domain("chess")
    path = tmp_path / "d.json"
    path.write_text(json.dumps(QA.to_dict()))
    assert get_domain("ignored when a file is given", path) == QA
    path.write_text("{not json")
    with pytest.raises(ValueError, match="cannot read domain file"):
        Domain.from_file(path)
