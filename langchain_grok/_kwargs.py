"""ChatGrok's constructor keywords: the key's spellings, and what becomes ``model_kwargs``.

Unknown keyword arguments are request fields, sent as given (as in LangChain's
partner packages), and ``model_kwargs`` is an ordinary field: ``repr()`` shows it,
``dumps()`` hands it to tracers, and every request body carries it. So a key given
under a name ChatGrok does not know would leak three ways. Two guards:

* the key's common spellings are aliases of the secret ``api_key`` field
  (``KEY_SPELLINGS``): ``ChatGrok(openai_api_key=...)`` works and stays secret;
* any other ``model_kwargs`` name that looks like a credential is refused
  (``looks_like_credential``) with a ``TypeError`` naming it, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# The key's accepted spellings: the field's name first, then its aliases
# (xAI's and langchain-xai's ``xai_api_key``, langchain-openai's ``openai_api_key``).
KEY_SPELLINGS = ("api_key", "xai_api_key", "openai_api_key")

# Words that make a keyword name look like a credential. "token" only as a whole
# word: "max_tokens" and "top_logprobs" are request fields, "access_token" is not.
CREDENTIAL_WORDS = frozenset(
    "key apikey secret token password passwd credential credentials auth authorization "
    "bearer".split()
)
# Request fields whose names hold one of those words (xai-api-2026.md §2.1).
CREDENTIAL_LIKE_FIELDS = frozenset({"prompt_cache_key"})

_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def words_of(name: str) -> list[str]:
    """``"xaiApiKey"`` / ``"x-api_key"`` -> ``["xai", "api", "key"]`` / ``["x", "api", "key"]``."""
    return [w.lower() for w in _WORD.findall(name)]


def looks_like_credential(name: str) -> bool:
    """True for a keyword name that reads as a key, secret, token or password.

    The rule: one of the name's words (split at ``_``, ``-``, ``.`` and camelCase) is in
    ``CREDENTIAL_WORDS``, and the name is not a known request field
    (``CREDENTIAL_LIKE_FIELDS``). ``max_tokens``, ``max_output_tokens``,
    ``max_completion_tokens`` and ``top_logprobs`` pass ("tokens" is not "token").
    """
    if name in CREDENTIAL_LIKE_FIELDS:
        return False
    return any(word in CREDENTIAL_WORDS for word in words_of(name))


def _credential_message(name: str, where: str) -> str:
    return (
        f"{where} got {name}=..., which looks like a credential. ChatGrok sends keywords "
        "it does not know as request fields, so it would show in repr(), in what tracers "
        "receive and in every request body. Pass the key as ChatGrok(api_key=...) (also "
        "spelled xai_api_key= or openai_api_key=) or set XAI_API_KEY."
    )


def refuse_credentials(names: Iterable[str]) -> None:
    """``TypeError`` for the first credential-looking constructor keyword (never its value).

    A ``TypeError`` (Python's error for a wrong keyword argument) rather than a
    ``ValueError``: pydantic wraps the latter in a ``ValidationError`` that prints
    every constructor argument, the key among them.
    """
    for name in names:
        if looks_like_credential(name):
            raise TypeError(_credential_message(name, "ChatGrok"))


def refuse_credentials_in_call(kwargs: dict[str, Any]) -> None:
    """The same rule for a call's keywords (``invoke(..., x=)``, ``bind(x=)``): LangChain
    passes them to tracers as invocation parameters, and they are sent as request fields."""
    for name in kwargs:
        if looks_like_credential(name):
            from grok_jupyter.client import InvalidRequestError

            raise InvalidRequestError(_credential_message(name, "A ChatGrok call"))


def collect_model_kwargs(values: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """``values`` with the names ChatGrok does not know moved into ``model_kwargs``.

    Refuses the key given under two spellings, and credential-looking names
    (given directly or inside ``model_kwargs=``), before anything is stored.
    """
    spelled = [name for name in KEY_SPELLINGS if values.get(name) is not None]
    if len(spelled) > 1:
        raise TypeError(
            f"ChatGrok got the API key twice ({' and '.join(spelled)}): pass it once, as api_key=."
        )
    extra = {k: values.pop(k) for k in list(values) if k not in known}
    given = values.get("model_kwargs") or {}
    refuse_credentials([*extra, *given])
    if extra:
        values["model_kwargs"] = {**extra, **given}
    return values


def known_names(fields: dict[str, Any]) -> set[str]:
    """Every name a pydantic model's ``fields`` accept: names, aliases, alias choices."""
    known: set[str] = set()
    for name, field in fields.items():
        known.add(name)
        if field.alias:
            known.add(field.alias)
        choices = getattr(field.validation_alias, "choices", None)
        if choices:
            known.update(c for c in choices if isinstance(c, str))
        elif isinstance(field.validation_alias, str):
            known.add(field.validation_alias)
    return known
