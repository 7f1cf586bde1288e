"""Asking the processor to fetch memory ahead of use, from compiled loops (numba).

At a million customers the customers' arrays are hundreds of megabytes, and the loops
that follow word of mouth — from a speaker to its neighbours, from a message to the
pair that heard it — touch them a few bytes at a time at addresses the processor's own
prefetchers cannot guess. Each such touch waits for memory (~100 ns). Those loops know
their next addresses a few iterations ahead, so they say so with :func:`prefetch`
(LLVM's ``llvm.prefetch``, a hint that never faults and changes no result). Figures in
``docs/performance.md``.
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from sim.engine.jit import COMPILED


def _prefetch(typingctx, array, index):
    """``prefetch(array, index)``: start loading the cache line holding ``array[index]``
    (a one-dimensional array; any index, in bounds or not: the hint never faults)."""
    if not (isinstance(array, types.Array) and array.ndim == 1
            and isinstance(index, types.Integer)):
        return None
    signature = types.void(array, index)

    def codegen(context, builder, sig, args):
        array_type = sig.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        index = context.cast(builder, args[1], sig.args[1], types.intp)
        address = builder.gep(view.data, [index])  # not dereferenced: no bounds needed
        byte_pointer = ir.IntType(8).as_pointer()
        address = builder.bitcast(address, byte_pointer)
        int32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer] + [int32] * 3),
            "llvm.prefetch." + ("p0" if byte_pointer.is_opaque else "p0i8"))
        # read (0), keep in all cache levels (3), data cache (1)
        builder.call(function, [address, int32(0), int32(3), int32(1)])
        return context.get_dummy_value()

    return signature, codegen


def no_prefetch(array, index):
    """With the JIT off a prefetch hint has nothing to do."""


prefetch = intrinsic(_prefetch) if COMPILED else no_prefetch
