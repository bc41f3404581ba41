"""The test controls under ``/_emulator/`` (not recorded, no key needed)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .._faults import FAULTS, Fault
from .._state import EmulatorState


async def admin_faults(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    try:
        spec = await request.json()
        params = dict(spec.get("params") or {})
        params.update({k: v for k, v in spec.items() if k not in ("fault", "times", "params")})
        state.inject(Fault(spec["fault"], params), int(spec.get("times", 1)))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return JSONResponse({"error": f"bad fault specification: {exc}"}, 400)
    return JSONResponse({"queued": spec["fault"], "times": int(spec.get("times", 1))})


async def admin_requests(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    return JSONResponse([r.to_json() for r in state.requests])


async def admin_reset(request: Request) -> Response:
    request.app.state.emulator.reset()
    return JSONResponse({"reset": True})


async def admin_limits(request: Request) -> Response:
    spec = await request.json()
    request.app.state.emulator.set_limits(rpm=spec.get("rpm"), tpm=spec.get("tpm"))
    return JSONResponse({"rpm": spec.get("rpm"), "tpm": spec.get("tpm")})


async def admin_fault_names(request: Request) -> Response:
    return JSONResponse({"faults": FAULTS})


async def admin_billing(request: Request) -> Response:
    """What was billed since start or the last reset: ``{"ticks": ..., "calls": ...}``."""
    return JSONResponse(request.app.state.emulator.billed)


async def admin_set_speed(request: Request) -> Response:
    """``{"speed": "instant" | "realistic" | {"ttft_s", "tokens_per_s", "answer_s"}}``:
    ``emu.set_speed`` for an emulator in another process."""
    state: EmulatorState = request.app.state.emulator
    try:
        spec = await request.json()
        state.set_speed(spec.get("speed") if isinstance(spec, dict) else spec)
    except (ValueError, TypeError) as exc:
        return JSONResponse({"error": f"bad speed: {exc}"}, 400)
    return JSONResponse(state.speed.describe())


async def admin_speed(request: Request) -> Response:
    return JSONResponse(request.app.state.emulator.speed.describe())


async def admin_script(request: Request) -> Response:
    """``{"turns": [...]}`` (or the list alone): ``emu.script`` for another process."""
    state: EmulatorState = request.app.state.emulator
    try:
        spec = await request.json()
        items = spec.get("turns") if isinstance(spec, dict) else spec
        if not isinstance(items, list):
            raise ValueError('send {"turns": [...]} or a list of turns')
        queued = state.queue_script(items)
    except ValueError as exc:
        return JSONResponse({"error": f"bad script: {exc}"}, 400)
    return JSONResponse({"queued": queued})
