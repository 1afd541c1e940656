"""The rewriter: one few-shot prompt per example, task-specific, with the verifiers' findings on a retry.

For anonymization the prompt lists the detected values with their consistent surrogates, so the model's job
is to rewrite the text around them (and to catch PII the detectors missed); for code it keeps the code valid.
For detoxification it asks to keep every fact and remove insults and slurs. The few-shot examples are written
for this project (no text from the paper, which publishes no prompts).
"""

from __future__ import annotations

from collections.abc import Mapping

from openended.llm import Message

ANONYMIZE_SYSTEM = (
    "You rewrite text to remove personal information. Replace every name, e-mail address, phone number, "
    "street address, account or card number, IP address, ID number and secret key with the replacement "
    "given, or with a realistic fake value if none is given. Keep everything else exactly as it is. "
    "Answer with the rewritten text only."
)

ANONYMIZE_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    (
        "Hi Maria, please call me back on 020 7946 0018 or write to maria.lopez@mailbox.org. Thanks, Tom",
        "Maria -> Claire; 020 7946 0018 -> 020 7946 0457; maria.lopez@mailbox.org -> claire.b@example.net; "
        "Tom -> Ravi",
        "Hi Claire, please call me back on 020 7946 0457 or write to claire.b@example.net. Thanks, Ravi",
    ),
    (
        'client = Client(api_key="sk-9fQ2xLmP4rT7vW1zY8bN3cK6")\nHOST = "192.168.4.17"',
        "sk-9fQ2xLmP4rT7vW1zY8bN3cK6 -> sk-Ab3dE5fG7hJ9kL1mN3pQ5rS7; 192.168.4.17 -> 10.0.0.23",
        'client = Client(api_key="sk-Ab3dE5fG7hJ9kL1mN3pQ5rS7")\nHOST = "10.0.0.23"',
    ),
)

DETOXIFY_SYSTEM = (
    "You rewrite text so that it is not offensive. Remove insults, slurs, profanity and threats, and keep "
    "every fact, claim and question of the original in a neutral tone. Answer with the rewritten text only."
)

DETOXIFY_EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Only a complete idiot would think the bridge opened in 1932, it was 1937, you moron.",
        "The bridge opened in 1937, not in 1932.",
    ),
    (
        "Shut up about the budget, you worthless clown. The council spent 2 million on roads last year.",
        "About the budget: the council spent 2 million on roads last year.",
    ),
)


def anonymize_prompt(
    text: str, replacements: Mapping[str, str], feedback: str = "", shots: int | None = None
) -> list[Message]:
    """``shots``: how many worked examples precede the text (None: all; 0 for a distilled student)."""
    messages: list[Message] = [{"role": "system", "content": ANONYMIZE_SYSTEM}]
    for source, repl, result in ANONYMIZE_EXAMPLES[:shots]:
        messages.append({"role": "user", "content": f"Replacements: {repl}\nText:\n{source}"})
        messages.append({"role": "assistant", "content": result})
    repl = "; ".join(f"{k} -> {v}" for k, v in replacements.items()) or "none detected; look for any"
    note = f"\nA previous attempt was rejected. {feedback}" if feedback else ""
    messages.append({"role": "user", "content": f"Replacements: {repl}{note}\nText:\n{text}"})
    return messages


def detoxify_prompt(text: str, feedback: str = "", shots: int | None = None) -> list[Message]:
    messages: list[Message] = [{"role": "system", "content": DETOXIFY_SYSTEM}]
    for source, result in DETOXIFY_EXAMPLES[:shots]:
        messages.append({"role": "user", "content": f"Text:\n{source}"})
        messages.append({"role": "assistant", "content": result})
    note = f"\nA previous attempt was rejected. {feedback}" if feedback else ""
    messages.append({"role": "user", "content": f"Text:{note}\n{text}"})
    return messages


def clean_rewrite(text: str) -> str:
    """The rewrite from the model's answer: drop a leading "Text:" / "Rewritten text:" label."""
    out = text.strip()
    for label in ("Rewritten text:", "Text:", "Rewrite:"):
        if out.startswith(label):
            out = out[len(label) :].strip()
    return out
