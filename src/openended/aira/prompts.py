"""The two operator prompt sets, written for this toolkit (the paper's idea, not its text).

``aide``: AIDE's style — short, a plan of a few sentences and one code block, Improve makes one atomic
change, memory lists earlier good solutions. ``aira``: the paper's longer operators — exactly one new idea
unlike those already tried, cross-validation, no exploratory analysis, the compute and packages at hand,
library pitfalls, a clean stdout; Debug keeps the idea; Crossover merges two parents. Both share the
Analyze prompt, as in aira-dojo.
"""

from __future__ import annotations

from dataclasses import dataclass

METRIC_LINE = "Validation metric: <number>"

COMMON_RULES = f"""\
- The data is in ./data (read-only): train.csv, test.csv, sample_submission.csv, description.md.
- Write the predictions for test.csv to ./submission.csv, in the format of sample_submission.csv.
- Hold out part of train.csv (or cross-validate), and print the score on it as one line:
  `{METRIC_LINE}`, using the task's metric.
- One self-contained Python file; no internet; finish within the time limit."""

AIDE = {
    "system": "You are an expert machine-learning engineer solving a data-science competition.",
    "draft": """{task}

{memory}# Instructions
Propose a simple, sound first solution. Reply with a plan of 3-5 sentences, then one ```python code block.
{rules}

{data}""",
    "improve": """{task}

{memory}# Current solution
Plan: {plan}
```python
{code}
```
It scored {metric} on validation.

# Instructions
Make one atomic improvement to this solution (a feature, a model, a hyperparameter). Reply with a plan of
2-3 sentences, then the complete new ```python code block.
{rules}""",
    "debug": """{task}

# Buggy solution
```python
{code}
```
# Its output
{output}

{memory}# Instructions
Fix the bug. Reply with 1-3 sentences on what went wrong, then the complete corrected ```python code block.
{rules}""",
    "crossover": """{task}

# Solution A (validation {metric_a})
```python
{code_a}
```
# Solution B (validation {metric_b})
```python
{code_b}
```
# Instructions
Combine the strengths of A and B into one solution. Reply with a short plan, then one ```python code block.
{rules}""",
}

AIRA = {
    "system": (
        "You are a senior machine-learning researcher. You solve data-science tasks by proposing one "
        "concrete idea at a time, implementing it cleanly and measuring it honestly."
    ),
    "draft": """{task}

{memory}# What to do
Propose exactly one idea for a complete solution, different from the ideas already explored above, and
implement it.
- Say in 2-4 sentences what the idea is and why it should work on this data.
- Validate with 5-fold cross-validation where the data allows; no exploratory analysis, no plots.
- Print only what matters: progress in a few lines and the final validation score.
{rules}

# Environment
{compute}
Library notes: pandas 3 gives text columns the dtype "str", not object: select them with
`df.select_dtypes(exclude="number")`; scikit-learn's `OneHotEncoder(handle_unknown="ignore")` handles
categories unseen in training.

{data}""",
    "improve": """{task}

{memory}# Solution to improve (validation {metric})
{plan}
```python
{code}
```
# What to do
Propose exactly one change likely to improve the validation score, not tried before (see above), and say
in 2-3 sentences why. Return the whole program in one ```python code block.
- Keep the parts that work; 5-fold cross-validation where the data allows; a clean stdout.
{rules}

# Environment
{compute}""",
    "debug": """{task}

# Program that failed
```python
{code}
```
# What it printed
{output}

{memory}# What to do
Find the cause and fix it, keeping the idea of the program intact. Explain the bug in 1-3 sentences, then
return the whole corrected program in one ```python code block. Models and data are offline: never
download anything.
{rules}

# Environment
{compute}""",
    "crossover": """{task}

# Parent A (validation {metric_a})
{plan_a}
```python
{code_a}
```
# Parent B (validation {metric_b})
{plan_b}
```python
{code_b}
```
# What to do
Write one program that merges the best ideas of both parents (for example A's features with B's model, or
an ensemble of the two). Explain the merge in 2-3 sentences, then one ```python code block.
{rules}

# Environment
{compute}""",
}

ANALYZE = """You review the run of a machine-learning program.

# Task
{task_title}: the metric is {metric_name} ({direction}).

# Program
```python
{code}
```
# Output
{output}

# What to do
Answer with one JSON object and nothing else:
{{"is_bug": true or false, "summary": "<one or two sentences on what happened>", "metric": <the validation
score the program printed, as a number, or null if it printed none>}}
A run is a bug if it crashed, printed an error, or printed no validation score."""

MEMORY_HEADER = "# Ideas already explored\n"
DEBUG_MEMORY_HEADER = "# Earlier attempts to fix this program\n"


@dataclass(frozen=True)
class PromptSet:
    name: str
    texts: dict[str, str]


PROMPTS = {"aide": PromptSet("aide", AIDE), "aira": PromptSet("aira", AIRA)}
