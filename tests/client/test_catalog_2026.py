"""The 2026 catalogue: current models, retired ids and their redirects, verified refusals.

Facts from ../shared/xai-api-2026.md §1.1-1.3 and §4.1/4.3.
"""

from __future__ import annotations

import warnings

import pytest

from grok_jupyter import client as client_module
from grok_jupyter.client import RetiredModelWarning, Usage
from grok_jupyter.client import _catalog as catalog_module
from grok_jupyter.client._catalog import Catalog

CURRENT_CHAT = [
    "grok-4.3", "grok-4.20-0309-reasoning", "grok-4.20-0309-non-reasoning",
    "grok-4.20-multi-agent-0309", "grok-4.5", "grok-4.6", "grok-4.7", "grok-build-0.1",
]  # fmt: skip
CURRENT_IMAGE = ["grok-imagine-image", "grok-imagine-image-quality", "grok-imagine-image-2.0"]
CURRENT_VIDEO = ["grok-imagine-video", "grok-imagine-video-1.5"]
KNOWN_EFFORTS = {"none", "low", "medium", "high", "xhigh"}


@pytest.fixture
def cat() -> Catalog:
    return Catalog.bundled()


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Forget which retired ids this process already warned about."""
    monkeypatch.setattr(catalog_module, "_warned", set())


def test_every_current_model_is_listed_and_not_retired(cat):
    for kind, ids in (("chat", CURRENT_CHAT), ("image", CURRENT_IMAGE), ("video", CURRENT_VIDEO)):
        for model_id in ids:
            info = cat.resolve(model_id)
            assert info is not None, model_id
            assert info.kind == kind and not cat.is_retired(model_id), model_id
    assert {m.id for m in cat.current_models("chat")} == set(CURRENT_CHAT)


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("grok-4.20", "grok-4.20-0309-reasoning"),
        ("grok-4.20-beta-latest-reasoning", "grok-4.20-0309-reasoning"),
        ("grok-4.20-experimental-beta-0304-reasoning", "grok-4.20-0309-reasoning"),
        ("grok-4.20-non-reasoning-latest", "grok-4.20-0309-non-reasoning"),
        ("grok-4.20-multi-agent", "grok-4.20-multi-agent-0309"),
        ("grok-4.3-latest", "grok-4.3"),
        ("grok-4.5-latest", "grok-4.5"),
        ("grok-imagine-video-1.5-preview", "grok-imagine-video-1.5"),
    ],
)
def test_aliases_resolve_to_the_canonical_id(cat, alias, canonical):
    assert cat.resolve(alias).id == canonical


def test_figures_from_the_reference(cat):
    g43, g420, g45, g46 = (cat[m] for m in ("grok-4.3", "grok-4.20", "grok-4.5", "grok-4.6"))
    assert (g43.context_window, g420.context_window, g45.context_window) == (
        1_000_000, 1_000_000, 500_000)
    p = g420.price_per_million
    assert (p.input, p.cached_input, p.output) == (1.25, 0.20, 2.50)
    lc = p.long_context
    assert (lc.input, lc.cached_input, lc.output, p.long_context_from) == (2.5, 0.4, 5.0, 200_000)
    assert (g45.price_per_million.input, g45.price_per_million.output) == (2.0, 6.0)
    assert g43.supports_images and g420.supports_images and g46.supports_images
    assert cat["grok-imagine-image"].image_price_usd == 0.02
    assert g420.batch is True and cat.batch_discount == 0.2
    assert set(g43.apis) == {"chat", "responses"}
    assert "logprobs" in g420.ignored_parameters


def test_unverified_figures_are_marked(cat):
    g43, g47 = cat["grok-4.3"], cat["grok-4.7"]
    # The 2026-09 reference settles grok-4.3's default effort and long-context tier [DOC].
    assert g43.is_verified("default_reasoning_effort") and g43.default_reasoning_effort == "low"
    assert g43.is_verified("price_per_million.long_context")
    assert not g43.is_verified("released")  # a third-party date
    assert g43.is_verified("context_window") and g43.is_verified("price_per_million.input")
    assert g47.is_verified("price_per_million.output")  # [DOC] since 2026-09
    assert not g47.is_verified("default_reasoning_effort") and not g47.is_verified("batch")
    multi = cat["grok-4.20-multi-agent"]
    assert not multi.is_verified("price_per_million.long_context")  # parent marked [U]


def test_defaults_are_current_models(cat):
    for name in (cat.default_chat_model, cat.default_vision_model, cat.default_image_model):
        assert name in cat and not cat.is_retired(name), name
    assert cat.default_chat_model == cat.default_vision_model == "grok-4.3"
    assert cat.default_image_model == "grok-imagine-image"
    assert cat[cat.default_vision_model].supports_images
    assert cat[cat.default_image_model].kind == "image"
    assert not cat.is_retired(cat.default_video_model)


@pytest.mark.parametrize(
    ("retired", "target", "effort"),
    [
        ("grok-4-1-fast-reasoning", "grok-4.3", "low"),
        ("grok-4-1-fast-non-reasoning", "grok-4.3", "none"),
        ("grok-4-fast-reasoning", "grok-4.3", "low"),
        ("grok-4-fast-non-reasoning", "grok-4.3", "none"),
        ("grok-4-0709", "grok-4.3", "low"),
        ("grok-code-fast-1", "grok-4.3", "low"),
        ("grok-3", "grok-4.3", "none"),
        ("grok-imagine-image-pro", "grok-imagine-image-quality", None),
        # their -latest and short aliases (§1.3)
        ("grok-4", "grok-4.3", "low"),
        ("grok-4-latest", "grok-4.3", "low"),
        ("grok-4-fast", "grok-4.3", "low"),
        ("grok-4-1-fast", "grok-4.3", "low"),
    ],
)
def test_may_15_retirements_redirect_with_the_implied_effort(cat, retired, target, effort):
    assert cat.is_retired(retired)
    info = cat.resolve(retired)
    assert info.retired.date == "2026-05-15" and info.retired.verified
    answer, implied = cat.redirect_target(retired)
    assert (answer.id, implied) == (target, effort)
    assert cat.price_model(retired).id == target
    assert cat.default_effort(retired) == effort


@pytest.mark.parametrize(
    "seed", ["grok-2-1212", "grok-2-vision-1212", "grok-3-mini", "grok-3-fast", "grok-2-image-1212"]
)
def test_seed_models_stay_documented_and_redirect(cat, seed):
    info = cat.resolve(seed)
    assert info is not None and cat.is_retired(seed)
    target, _ = cat.redirect_target(seed)
    assert not target.is_retired and target.kind == info.kind
    assert not info.retired.verified  # no source documents these redirects


def test_catalogue_is_consistent(cat):
    owners: dict[str, str] = {}
    for m in cat:
        for name in (m.id, *m.aliases):
            assert owners.setdefault(name, m.id) == m.id, f"{name} names two models"
        assert set(m.reasoning_efforts) <= KNOWN_EFFORTS, m.id
        if m.default_reasoning_effort is not None:
            assert m.default_reasoning_effort in m.reasoning_efforts, m.id
        assert m.verified_rejected_parameters <= m.rejected_parameters, m.id
        if m.retired is not None and m.retired.redirect_to:
            assert cat.redirect_target(m.id) is not None, m.id  # a current target
            target = cat.redirect_target(m.id)[0]
            implied = m.retired.implied_effort
            assert implied is None or implied in target.reasoning_efforts, m.id


def test_accepted_efforts_per_model(cat):
    assert cat.accepted_efforts("grok-4.3") == ("none", "low", "medium", "high")
    assert cat.accepted_efforts("grok-4.5") == ("low", "medium", "high")
    assert "xhigh" in cat.accepted_efforts("grok-4.6")
    assert cat.accepted_efforts("grok-4.20") == ()  # the parameter itself is rejected
    assert cat.accepted_efforts("grok-4-fast-reasoning") == cat.accepted_efforts("grok-4.3")
    assert cat.accepted_efforts("grok-99") == ()
    assert (cat.default_effort("grok-4.3"), cat.default_effort("grok-4.6")) == ("low", "high")


@pytest.mark.parametrize(
    ("model", "param", "value", "refuse"),
    [
        ("grok-4.20", "reasoning_effort", "low", True),  # [V] VER
        ("grok-4.20-0309-non-reasoning", "reasoning_effort", "none", True),  # [V] VER
        ("grok-4.5", "presence_penalty", 0.5, True),  # [V] OLD §1.3
        ("grok-4.3", "reasoning_effort", "xhigh", False),  # not verified: let the server answer
        ("grok-4.3", "presence_penalty", 0.5, False),  # "likely rejected" [U]
        ("grok-4.5", "frequency_penalty", 0.5, False),  # [U]
        ("grok-3-mini", "stop", ["x"], False),  # answered by grok-4.3 now: its rules apply
        ("grok-4-0709", "reasoning_effort", "high", False),  # ditto
        ("grok-9-preview", "reasoning_effort", "high", False),  # unknown model: send
        ("grok-imagine-video", "resolution", "1080p", True),  # [V] VER
        ("grok-imagine-video-1.5", "resolution", "1080p", False),
    ],
)
def test_only_verified_rejections_are_refused(cat, model, param, value, refuse):
    assert cat.must_refuse(model, param, value) is refuse


def test_unverified_rejections_stay_as_evidence_for_the_emulator(cat):
    assert "presence_penalty" in cat["grok-4.3"].rejected_parameters
    assert "presence_penalty" not in cat["grok-4.3"].verified_rejected_parameters
    assert "xhigh" not in cat["grok-4.3"].reasoning_efforts


def test_retired_request_warns_once_naming_the_target(cat, fresh_warnings):
    with pytest.warns(RetiredModelWarning) as caught:
        assert cat.warn_if_retired("grok-4-1-fast-non-reasoning", stacklevel=1) is True
    (w,) = caught
    text = str(w.message)
    assert "grok-4-1-fast-non-reasoning" in text and "2026-05-15" in text
    assert "grok-4.3" in text and "'none'" in text
    assert w.filename == __file__  # points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cat.warn_if_retired("grok-4-1-fast-non-reasoning") is False  # once per process
        assert cat.warn_if_retired("grok-4-1-fast-non-reasoning-latest") is False  # same model
        assert cat.warn_if_retired("grok-4.3") is False
        assert cat.warn_if_retired("grok-9-preview") is False
    with pytest.warns(RetiredModelWarning, match="grok-imagine-image-quality"):
        cat.warn_if_retired("grok-imagine-image-pro")


def test_unconfirmed_redirect_says_so(cat, fresh_warnings):
    with pytest.warns(RetiredModelWarning, match="not confirmed"):
        cat.warn_if_retired("grok-2-1212")


def test_warning_is_public_and_a_user_warning():
    assert issubclass(client_module.RetiredModelWarning, UserWarning)
    assert "RetiredModelWarning" in client_module.__all__


def test_retired_id_is_priced_at_the_target_rate(cat):
    usage = Usage(prompt_tokens=100_000, completion_tokens=100_000)
    # grok-4-fast-non-reasoning cost 0.20 / 0.50 before; the API now bills grok-4.3's rates.
    assert cat.cost_usd("grok-4-fast-non-reasoning", usage) == pytest.approx(0.125 + 0.25)
    assert cat.cost_usd("grok-4.5", usage) == pytest.approx(0.2 + 0.6)
    assert cat.cost_usd("grok-99", usage) is None


def test_tool_prices_per_call(cat):
    assert cat.tool_price_usd("web_search") == pytest.approx(0.005)
    assert cat.tool_price_usd("attachment_search_calls") == pytest.approx(0.010)
    assert cat.tool_price_usd("file_search") == pytest.approx(0.0025)
    assert cat.tool_price_usd("teleport") is None
