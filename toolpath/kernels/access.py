"""Element reads and writes of arrays in Numba code that are cheaper to compile than ``a[i, j]``.

Numba types ``a[i, j]`` by trying a dozen ``getitem`` templates (all but one of them for other containers)
and lowers it with the full indexing machinery (wraparound of negative indices, slices, broadcasting). In the
offset kernel, with ~500 element accesses, that is over a tenth of its cold compile. The functions here are
intrinsics with one template each and a few LLVM instructions: the element's address from the array's data
pointer and shape (C-contiguous) or strides (any other layout), then a load or a store through the array
dtype's data model (as Numba's own ``load_item`` and ``store_item``).

Indices must be in range and **not negative**: there is no wraparound and, as with Numba's default
``boundscheck=False``, no bounds check (with ``NUMBA_BOUNDSCHECK=1`` set before compiling, every access is
checked and raises IndexError, negative indices included). With ``NUMBA_DISABLE_JIT=1`` the plain Python
versions are used instead; they check both, so a test run without the JIT finds a negative or past-the-end
index that the compiled code would read or write silently.
"""

from __future__ import annotations

from typing import Any

from numba.core import cgutils, config, types
from numba.core.errors import TypingError
from numba.extending import intrinsic
from numpy.typing import NDArray

__all__ = ["at1", "at2", "set1", "set2"]


def _check(name: str, a: types.Type, idx: tuple[types.Type, ...], write: bool) -> None:
    """Raise a TypingError unless ``a`` is a (writable, for ``write``) array of ``len(idx)`` dimensions indexed
    by integers."""
    if not isinstance(a, types.Array):
        raise TypingError(f"{name}: expected an array, got {a}")
    if a.ndim != len(idx):
        raise TypingError(f"{name}: expected a {len(idx)}-d array, got {a.ndim}-d {a}")
    for t in idx:
        if not isinstance(t, (types.Integer, types.Boolean)):
            raise TypingError(f"{name}: indices must be integers, got {t}")
    if write and not a.mutable:
        raise TypingError(f"{name}: array {a} is read-only")


def _pointer(context: Any, builder: Any, aryty: types.Array, ary: Any, idx: list[tuple[Any, types.Type]]) -> Any:
    """LLVM pointer to element ``idx`` (values with their types) of array ``ary`` of type ``aryty``."""
    dm = context.data_model_manager[aryty]
    data = builder.extract_value(ary, dm.get_field_position("data"))
    ii = [context.cast(builder, v, t, types.intp) for v, t in idx]
    if config.BOUNDSCHECK:  # NUMBA_BOUNDSCHECK=1: IndexError for an index < 0 or >= the axis' length
        shape = builder.extract_value(ary, dm.get_field_position("shape"))
        for k in range(len(ii)):
            cgutils.do_boundscheck(context, builder, ii[k], builder.extract_value(shape, k), k)
    if aryty.layout == "C":
        off = ii[0]
        if len(ii) > 1:
            shape = builder.extract_value(ary, dm.get_field_position("shape"))
            for k in range(1, len(ii)):
                off = builder.add(builder.mul(off, builder.extract_value(shape, k)), ii[k])
        return builder.gep(data, [off], inbounds=True)
    strides = builder.extract_value(ary, dm.get_field_position("strides"))
    off = builder.mul(ii[0], builder.extract_value(strides, 0))
    for k in range(1, len(ii)):
        off = builder.add(off, builder.mul(ii[k], builder.extract_value(strides, k)))
    addr = builder.add(builder.ptrtoint(data, off.type), off)
    return builder.inttoptr(addr, data.type)


def _load(context: Any, builder: Any, aryty: types.Array, ptr: Any) -> Any:
    align = None if aryty.aligned else 1
    return context.unpack_value(builder, aryty.dtype, ptr, align=align)


def _store(context: Any, builder: Any, aryty: types.Array, ptr: Any, val: Any, valty: types.Type) -> None:
    align = None if aryty.aligned else 1
    context.pack_value(builder, aryty.dtype, context.cast(builder, val, valty, aryty.dtype), ptr, align=align)


@intrinsic
def _at1(typingctx: Any, a: types.Type, i: types.Type) -> Any:
    _check("at1", a, (i,), False)
    sig = a.dtype(a, i)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        ptr = _pointer(context, builder, sig.args[0], args[0], [(args[1], sig.args[1])])
        return _load(context, builder, sig.args[0], ptr)

    return sig, codegen


@intrinsic
def _at2(typingctx: Any, a: types.Type, i: types.Type, j: types.Type) -> Any:
    _check("at2", a, (i, j), False)
    sig = a.dtype(a, i, j)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        ptr = _pointer(context, builder, sig.args[0], args[0], [(args[1], sig.args[1]), (args[2], sig.args[2])])
        return _load(context, builder, sig.args[0], ptr)

    return sig, codegen


def _value_check(name: str, typingctx: Any, a: types.Array, v: types.Type) -> None:
    if typingctx.can_convert(v, a.dtype) is None:
        raise TypingError(f"{name}: cannot store a {v} in {a}")


@intrinsic
def _set1(typingctx: Any, a: types.Type, i: types.Type, v: types.Type) -> Any:
    _check("set1", a, (i,), True)
    _value_check("set1", typingctx, a, v)
    sig = types.none(a, i, v)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        ptr = _pointer(context, builder, sig.args[0], args[0], [(args[1], sig.args[1])])
        _store(context, builder, sig.args[0], ptr, args[2], sig.args[2])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def _set2(typingctx: Any, a: types.Type, i: types.Type, j: types.Type, v: types.Type) -> Any:
    _check("set2", a, (i, j), True)
    _value_check("set2", typingctx, a, v)
    sig = types.none(a, i, j, v)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        ptr = _pointer(context, builder, sig.args[0], args[0], [(args[1], sig.args[1]), (args[2], sig.args[2])])
        _store(context, builder, sig.args[0], ptr, args[3], sig.args[3])
        return context.get_dummy_value()

    return sig, codegen


def _in_range(a: NDArray[Any], idx: tuple[int, ...]) -> tuple[int, ...]:
    """``idx`` as Python ints, after checking it has one index per dimension, each in ``[0, n)``."""
    if a.ndim != len(idx):
        raise IndexError(f"expected a {len(idx)}-d array, got shape {a.shape}")
    for k, (i, n) in enumerate(zip(idx, a.shape, strict=True)):
        if not 0 <= i < n:
            raise IndexError(f"index {i} of axis {k} outside [0, {n}) (no wraparound: negative indices are errors)")
    return tuple(int(i) for i in idx)


def _at1_plain(a: NDArray[Any], i: int) -> Any:
    return a[_in_range(a, (i,))]


def _at2_plain(a: NDArray[Any], i: int, j: int) -> Any:
    return a[_in_range(a, (i, j))]


def _set1_plain(a: NDArray[Any], i: int, v: Any) -> None:
    a[_in_range(a, (i,))] = v


def _set2_plain(a: NDArray[Any], i: int, j: int, v: Any) -> None:
    a[_in_range(a, (i, j))] = v


if config.DISABLE_JIT:
    at1, at2, set1, set2 = _at1_plain, _at2_plain, _set1_plain, _set2_plain
else:
    at1, at2, set1, set2 = _at1, _at2, _set1, _set2

at1.__doc__ = """``a[i]`` of a 1-d array (Numba code; ``0 <= i < len(a)``, not checked when compiled)."""
at2.__doc__ = """``a[i, j]`` of a 2-d array (Numba code; indices in range and not negative, not checked when
compiled)."""
set1.__doc__ = """``a[i] = v`` for a 1-d array (Numba code; ``v`` cast to the array's dtype as by ``a[i] = v``)."""
set2.__doc__ = """``a[i, j] = v`` for a 2-d array (Numba code; ``v`` cast to the array's dtype)."""

