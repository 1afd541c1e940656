"""One LLM interface for every system: ``load(spec)`` gives a model from a one-string spec.

Specs (see :mod:`openended.llm.specs`): ``smollm2-135m`` (embedded default), ``gemma3-270m``,
``gguf:/path/model.gguf``, ``hf:/path/to/checkpoint`` or ``hf:smollm2-135m``,
``openai:MODEL@http://host:port/v1``, ``scripted:echo``; options as ``SPEC?key=value&key=value``.
"""

from openended.llm.base import LLM, LLMError, PromptTooLong
from openended.llm.specs import DEFAULT_MODEL, load, load_shared
from openended.llm.types import ChoiceScores, Completion, Message, Prompt, Response, SamplingParams, Usage

__all__ = [
    "DEFAULT_MODEL",
    "LLM",
    "ChoiceScores",
    "Completion",
    "LLMError",
    "Message",
    "Prompt",
    "PromptTooLong",
    "Response",
    "SamplingParams",
    "Usage",
    "load",
    "load_shared",
]
