"""Offset rings of the reference pockets: our Numba kernel against a loop of shapely ``buffer`` calls and
pyclipper (Clipper's C++), side by side in one run, and the kernel's Numba compile time.

For each pocket of ``shared/reference/pockets.json``, tool 6 mm, stepover 0.3 and 0.6 mm: every
inward offset ring at distances 3, 3 + s, 3 + 2s, ... mm until nothing is left, arcs flattened within
0.01 mm (shapely: quad_segs chosen per distance for that tolerance; Clipper: ArcTolerance 0.01 mm
at 1e4 units per mm). The three are timed in turn within each round (so a busy machine slows all
three alike); the best of ``--repeat`` rounds is shown, in ms. Goals (issue 5): kernel at least as fast
as pyclipper and at least 5x faster than the shapely loop.

Numba compile time is measured in subprocesses: *cold* with an empty ``NUMBA_CACHE_DIR``, *cached* in a
second process with that cache; both as wall and CPU seconds, import of the module included (goals:
cold at most 15 s, cached at most 2 s).

Compile time, 2026-11-27 08:10-08:55 UTC (numba 0.68.1): ``_stretch`` (added by the micro-step fixes) was compiled
three times: its call sites passed the constants ``True``/``False``, typed ``Literal[bool]``, one signature each
(found by listing the dispatchers' ``signatures`` after a call; it is the only offset function with more than
one). Passing variables declared ``boolean`` (7a97c84, ``offset_chain``): Python calls in a cold compile
33.37 M -> 31.50 M; its exclusive compile time 1.37 -> 0.41 s (``numba:compile`` events). Interleaved, pinned
to one core, cold CPU s including the import (min / median of 6): before 11.78 / 12.04, after 10.63 / 11.23
(08:50-08:54; at 08:23-08:26, a slower spell, 14.42 / 16.05 against 12.20 / 14.24). ``compile_times()`` then,
unpinned, cold wall s: 12.57 13.30 13.92 14.52 12.94; cached 0.65-0.91 s.

Compile time, 2026-11-26 23:27-00:45 UTC, another host of this kind (numba 0.68.1; load 0.5-1.5): ``compile_times()``
in turn, cold wall s: 23:28-23:30 (ad05221's kernel) 11.88 11.21 11.76 10.68 12.00 10.14 9.73 9.77 9.21 9.37, with a
``bench_offset.py`` run 9.6 and 9.8; 00:44-00:45 (5fffe4e: ``_twins`` added) 11.25 10.23 11.83 9.84 10.98 8.89, and
12.1 in the full script. Cached 0.57-0.92 s. So 16 of 16 runs within the 15 s goal (median ~10.5 s); the host of the
runs below measured ~13 s with 3 of 22 over in its slow spells.

Compile time, 2026-11-26 15:05-16:30 UTC (numba 0.68.1): array element reads and writes of the kernel through the
intrinsics of ``toolpath/kernels/access.py`` (974a64a; outputs bit-identical on the 918 cases, also compiled with
``NUMBA_BOUNDSCHECK=1``). Where the time went before it (cProfile of a cold compile): resolving call types
~25 %, of which ``getitem`` alone ~0.9 s CPU unprofiled (1158 resolutions, each trying ~14 overload templates
for other containers, hashing Numba's compile flags at each attempt), and lowering ``getitem`` ~8 %. A synthetic
function of 300 reads ``a[i, j]`` compiled 3.4 ms per read above one without reads, 0.2 ms per read through the
intrinsic. Python calls during a cold compile 31.3 M -> 24.5 M (deterministic); LLVM lines about the same
(34215 -> 34483: the LLVM work, ~5.2 s of a 13 s compile, did not move). Interleaved cold compiles pinned to one
core, CPU s (min / median): 15:22-15:41 main 12.56 / 13.21 against 10.89 / 11.09 (0.87 / 0.84); 16:26-16:29,
final, *before* = 0bcaccb against main 42d4dbd: 13.44 / 14.29 against 11.70 / 13.31 (0.87 / 0.93), the same
tree moving 11.7-15.4 s within four minutes. ``compile_times()``, cold wall s: 15:39-15:40 (pinned) 12.21
11.06 10.62 11.01; 16:21-16:22 (pinned, another job on the other core) 17.01 13.13 13.15 13.76 12.88;
16:23-16:25 (unpinned, load 1.0) 12.36 13.18 12.15 14.66 15.85 12.58; cached 0.70-1.39 s. So the cold compile
is ~12-13 s on this host, above 15 s only in its slow spells (2 of 15 runs). Measured and not used:
``inline="always"`` for the once-called large functions (one giant function: LLVM's function passes 1.1 ->
3.5 s) or for the small leaves (slower: Numba re-runs the untyped pipeline per call site), ``min``/``max``
through intrinsics (2 % fewer Python calls, no time change seen), ``NUMBA_OPT=0`` (2.4 s less: the LLVM
optimisation that the kernel's speed needs).

Compile time, 2026-11-26 13:20-14:16 UTC (numba 0.68.1; *before*: main as of d8815f2, *after*: branch
``compile-wrap``; outputs bit-identical on the same 918 cases after every step, kernel tests pass). Where a cold
compile went (one run, each compiler pass timed with nested compiles subtracted, 17.7 s at that moment): Numba's
lowering 7.1 s (LLVM parsing and function passes 2.3 s of it), finalising the libraries (module passes and machine
code) 4.7 s, of which 3.2 s in the inner functions' libraries, each holding its callees' code again; type
inference 3.0 s; bytecode, SSA and other passes ~2 s; disk-cache look-ups and saves of the 29 functions 0.7 s.
Array reads are the dearest operation (393 of them, each resolved through 11 templates three times: two passes
of type inference and once more when lowered, ~1.3 ms each). This round removed libraries and their linked
copies rather than operations: the inner functions are no longer cached on disk (the kernel's cache holds their
code; ``refresh_cache`` deletes the directory's files on any change, so their own entries were never loaded);
the mid-level functions at the top of deep call chains are written out in their one caller (``_pair`` and
``_exact`` in ``_crossings``, ``_emit`` in ``_chain``, ``_keep`` in ``_rings``: 29 -> 24 compiled functions);
``_row4`` is compiled for one signature (its constant column argument had made two specialisations). LLVM lines
summed over the libraries 40149 -> 33075 (-18 %), resolved operations 2379 -> 2355, IR statements 13020 ->
12789. Alone, in turn, pinned to core 1 (``/tmp/cc2_alone.sh 4 1 main wt``-style: each tree in turn, empty
cache, import included), CPU s::

    time          load       before (main)                          after
    13:58-14:00   1.2-1.9    17.76 18.67 17.70 13.53                14.86 16.92 13.95 14.89
    14:09-14:10   1.0-1.2    17.37 15.89 15.96                      15.36 16.14 17.88
    14:11-14:14   0.9-1.0    18.47 20.20 17.32 17.98                19.03 15.22 15.88 16.64
    (13:42-13:51, before the keep-test step, load 2.0-3.1: 20.83 21.77 21.88 18.84 23.30 27.39 against
    24.02 19.17 18.46 17.39 19.01 21.72)

The host's speed moved by 30-50 % within minutes (the same tree took 13.5-20.2 s in one quarter hour), so
single pairs say little: over the eleven runs of 13:58-14:14 the median is 17.70 s before and 15.88 s after
(0.90; means 17.35 and 16.06, 0.93). So about **8-10 % less CPU, not the 20 % asked for**; the 15 s goal is met
only in the quieter runs (13.95-15.36 s). Cached: 0.89-0.94 s CPU (goal <= 2 s: met). Kernel speed unchanged or
better (``--no-compile --repeat 11``, 13:55-13:57, after / before / after / before, ms): A0.3
0.44/0.55/0.44/0.51, A0.6 0.23/0.29/0.24/0.28, B0.3 1.83/1.76/1.75/1.84, B0.6 0.92/1.00/0.92/0.98, C0.3
2.22/2.44/2.19/2.39, C0.6 1.25/1.25/1.14/1.36.

Measured and not used: an ``@intrinsic`` array read (one template, no wraparound) against ``a[i, j]`` in a
synthetic function of 150 reads: 0.54 s against 0.83 s above a function without reads (best of five), about 2 ms
per read; the kernel's ~540 reads and writes would gain perhaps 1 s, at the cost of LLVM code written by hand.
``len(a)`` against ``a.shape[0]``: no difference measurable. LLVM's loop unrolling makes 26 % of the LLVM lines
(33902 -> 24933 with unrolling switched off, in a measuring run only: Numba sets it for the whole process), but
the run's time did not move beyond the noise. Writing out ``_meet`` (called from three places in
``_crossings``) or moving the ``_grid``/``_argsort`` calls of ``_crossings`` and ``_chain`` up to the kernel would
each remove 2-3 % of the LLVM lines, at the price of more code in the kernel or in one large function (those
passes grow faster than linearly). Per function (exclusive s, one cold compile of 23.9 s at 13:35, before the
keep-test step): the kernel's library 2.4 (mostly LLVM over all linked code), ``_chain`` 2.6, ``_crossings``
2.3, ``_chains`` 1.8, ``_rings`` 1.7 and ``_keep`` 1.2, ``_prep``, ``_grid`` ~1.

Compile time, 2026-11-26 10:02-11:28 UTC (numba 0.68.1; *before*: main as of 78cff5b, *after*: branch
``compile-time3``; outputs bit-identical on the same 918 cases after every step, kernel tests pass). Per phase
(one cold compile, instrumented) the cost was not only typing: type inference ~2.3 s, Numba's lowering ~3.9 s,
LLVM ~6.1 s (function passes 1.3, module passes 2.6, machine code 2.2) plus ~1 s of IR text printed and parsed,
other passes ~1.6 s. More than half of the module passes and machine code is spent in the inner functions'
libraries, each holding its callees' code again (``_grow`` is in seven libraries, ``_meet`` in five), and much
of that code is loops LLVM vectorises or unrolls. So this round removed loops and LLVM code as well as typed
operations: resolved operations 2580 -> 2379, IR statements 14485 -> 13020, LLVM lines summed over the
functions' libraries 47818 -> 40149. Pinned side-by-side pairs (as below, ``taskset -c 1``, empty caches), CPU
s::

    time    load   cold before    cold after     after/before
    11:19   1.6    25.82          22.66          0.878
    11:20   1.8    25.01          22.18          0.887
    11:21   2.4    24.08          20.15          0.837
    (11:07-11:08, all but the last step (ring starts written by _chain): 19.88/17.69 0.890, 18.18/16.05 0.883,
    19.13/16.96 0.887; 10:58-11:00, one step earlier: 0.892, 0.854, 0.865)

The host's speed moved a lot in this hour (the same cold compile took 14-19 s within minutes; pairs share it
and stay comparable). Alone, in turn, pinned to one core, the run itself included in the load: 11:08-11:10
(load 1.2-1.6, all but the last step) after 13.90, 13.91, 14.82 s CPU, before 16.49, 15.90, 19.28; 11:22-11:24
(load 1.1-2.3, final) after 17.92, 17.48, 15.88, 14.89, 14.94, 16.31, before 21.97, 18.85, 16.64. With
:func:`compile_times` (11:10-11:25): after 15.6-20.8 s CPU unpinned, 17.0 and 18.8 pinned; before 21.1 and 23.9
unpinned (in the earlier rounds, on a faster host, before measured 15.3-16.9 s). So the cold compile is about
0.84-0.89 of before: **13.9-14.9 s CPU pinned in the quieter runs, under the 15 s goal but by a small margin;
on this shared host many runs still take longer**. Cached 0.71-1.57 s CPU (goal <= 2 s: met). Kernel speed
unchanged (``--no-compile --repeat 11``, 11:26-11:28, before / after / before / after, ms): A0.3
0.83/0.50/0.57/0.48, A0.6 0.43/0.26/0.32/0.27, B0.3 2.00/1.75/1.92/1.76, B0.6 1.05/0.92/1.00/1.01, C0.3
2.37/2.24/2.36/2.34, C0.6 1.20/1.29/1.33/1.16.

What helped, cumulative (pinned pairs against main, three rounds each; they move by +-2 %): ``_chain`` writing
its rings straight into the kernel's result buffer (no copy loop in the kernel, no buffer of its own), one
``act`` reset in the retry loop, no C wrapper on the kernel, ``_chains`` without a second flag loop and without
per-point cases: 0.981-0.988; ``x * x`` for ``** 2`` (a pow resolves through more templates: 100 of them 0.31 s
against 0.02 s), the kernel's points returned as a view of its buffer (``_result`` makes only ring starts and
levels), ``_crossings``' boxes sized by the point count (no counting loop) and both its sort keys in one loop,
``_chains``' flags, arcs and buffer size in its one loop over the vertices (a loop of its own was vectorised by
LLVM): 0.957-0.960; ``_argsort`` returning the sorted keys (a copy loop of ``_chain`` goes), ``_prep``'s caps
reset and extent in its edge loop, the last inactive segment of ``_chains`` searched backwards with a ``break``
(the forward "last match" loop was vectorised), ``for`` loops with ``break`` instead of ``while`` loops with
compound tests (Python 3.11 compiles a ``while`` test twice): 0.927-0.953; a vertex's next direction turned at
the end of ``_chains``' point loop (no first iteration for LLVM to peel), a run's first-point tags set once in
``_chain``, one sector test in ``_keep``: 0.938-0.940; a closed chain without splits through the open-chain
cases of ``_rings``, the gap point of ``_exact`` from ``_meet`` (``_gap`` gone: its arc/line set-up was
``_meet``'s; checked identical on 3.6 M random primitive pairs with 23713 gap points): 0.918-0.922; ``_grid``
filling each cell from its end (no ``fill`` array), ``_grow`` copying through flat iterators (a synthetic test:
its LLVM code 577 -> 364 lines, a caller's 927 -> 759, as fast), ``_row4`` for ``_crossings``' boxes:
0.856-0.899; ``&``/``|`` of cheap bool tests instead of ``and``/``or`` (a branch each; 100 synthetic tests 1.63 s
against 1.92 s): 0.987-0.997 against the step before; ``len`` instead of ``.shape[0]`` in the kernel (two shape
getitems were compiled once more under its flags). The remaining ``&``/``|`` (``_keep``'s box test and others):
0.998-0.999 against the step before (kept: smaller IR, speed unchanged); ``_chain`` writing ring starts and
levels into the kernel's ``lv`` buffer too (no ring-start array, no loop in the kernel): 0.992-0.999 against the
step before. Tried and dropped: ``b[:n] = a`` or
reshaped slices in ``_grow`` (a synthetic function's and its caller's LLVM code 4-8x larger); a copy with 2-D
indices from one flat index (less code, but a division per element: not tried in the kernel). Per function now
(one cold compile, exclusive of callees, s): kernel 2.1-2.3, ``_crossings`` 1.25, ``_chain`` 1.2-1.3,
``_chains`` 1.1, ``_rings`` 1.1-1.2, ``_keep`` 0.65, ``_grid``, ``_emit``, ``_pair``, ``_prep`` 0.5-0.6. A wider
margin would need less code again in ``_chains``, ``_chain``, ``_rings`` and ``_keep`` (about 1000 of the 2379
operations), or fewer libraries that optimise and compile their linked callees again.

Compile time, 2026-11-26 08:10-08:51 UTC (numba 0.68.1; *before*: main as of 8cb966b, *after*: branch
``compile-time2`` as of cbba24e; outputs bit-identical on the same 918 cases after every change, kernel tests
pass). Fewer typed operations, measured by counting what numba resolves (``calltypes`` of every compiled
function: 2787 -> 2580, IR statements 16041 -> 14485) and by compile time. Pinned side-by-side pairs as below
(``taskset -c 1``, both at once, empty caches), CPU s::

    time    load   cold before    cold after     after/before
    08:42   1.5    16.97          15.74          0.928
    08:43   1.6    16.33          15.07          0.923
    08:44   1.8    18.44          17.17          0.931
    (08:37-08:39, one step earlier, same kernel but _keep's edge test split out: 0.934, 0.931, 0.930)

Alone, in turn, pinned to one core (08:46-08:48, load 1.1-1.5): before 17.8, 17.4, 17.6 s CPU; after 15.9,
16.2, 22.3 (the last one disturbed). With :func:`compile_times` unpinned at load ~1 (08:49-08:50): after 15.3 and
16.9 s CPU, before 18.4 s; earlier (08:38-08:40, load 1.2-1.7, a step before) before 19.4, 19.8 and after 20.2,
19.7: unpinned single runs move by +-10 % and more. Cached 0.98-1.25 s CPU (goal <= 2 s: met). So the cold
compile is about 0.93 of before: about 15.5-16.5 s CPU on a quiet machine; **the 15 s goal is reached only in
the quietest runs (15.3 s), not reliably**. Kernel speed unchanged (``--no-compile --repeat 7``, 08:43-08:44,
after / before / after, ms): A0.3 0.50/0.51/0.50, A0.6 0.27/0.27/0.26, B0.3 1.71/1.74/1.76, B0.6 0.93/0.91/0.93,
C0.3 2.16/2.15/2.17, C0.6 1.18/1.20/1.18.

What helped (each step checked for identical outputs; pairs against the step before unless said): one-line
helpers standing for repeated code (``_isarc``: is primitive c an arc, ``_near``: the primitives before and after
c, ``_av``: a vertex's arc or -1, ``_row``/``_end``: a row of split points and the collinear-end case of
``_pair``, four cases written once), closed chains written by the open-chain loop in ``_chains`` (one loop and
its writes fewer) with the feature index computed without a branch and the vertex's ring neighbours read from
``e`` (not recomputed), ``(x0, x1)[k]`` instead of a conditional tuple in ``_meet``: 0.943-0.951 against before;
the kernel calling no numpy overload or ``int()`` (buffers from ``_prep``, result arrays from a new ``_result``;
three overloads were compiled a second time under the kernel's flags), ``_grid`` choosing the crossing grid's
cell itself (``c = 0``, no second extent loop in ``_crossings``), ``_row4(a, k, j)`` returning four columns of a
row (a synthetic test: 40 such calls compile in 0.43-0.50 s against 0.72-0.78 s for the 160 array reads):
0.935 against before; int64 flag arrays (no bool ``np.empty`` overload): not resolved by timing (one overload,
~0.05-0.08 s, fewer). Synthetic tests (150 lines each, one function): a 2-D array read ~3-4 ms, a float multiply
~1 ms, an ``if`` ~5 ms, a conditional expression ~10 ms (18 ms each at 300 in one function), ``max`` ~3 ms.

Tried and dropped: replacing the remaining conditional expressions (``math.copysign`` for signs, arithmetic,
plain ``if``): 0.999-1.000 against the step before (kept, harmless); moving code into new functions without
removing any (``_caps`` out of ``_chains``, the ring clean-up out of ``_chain``, the edge test out of
``_keep``): 1.007-1.012, and the edge test as a function slowed the kernel on B by ~10 % (a call per candidate
edge; put back inline); a 1-D ``span`` in ``_grid`` (the 2-D int64 ``np.empty`` is still needed elsewhere).
Per function now (one cold compile, exclusive of callees, s): kernel 2.3 (mostly LLVM of everything linked
into it), ``_crossings`` 1.3, ``_chain`` 1.3, ``_chains`` 1.2, ``_rings`` 1.1, ``_keep`` 0.65, ``_pair``,
``_grid``, ``_prep`` ~0.55 each; small helpers 0.02-0.13. Getting reliably under 15 s needs roughly another
10 % less: ``_chain``, ``_chains`` and ``_rings`` (about 830 of the 2580 resolved operations) are where it is.

Compile time, 2026-11-26 06:58-08:02 UTC (numba 0.68.1; the kernel as of 7432d99, *before*, against branch
``compile-time``, *after*; outputs bit-identical on 918 cases: pockets A/B/C and 150 random polygons with islands,
29 inward and 29 outward distances each; no NRT leak). The machine was shared (load 1.4-4.4) and a cold compile's
CPU time moved by +-20 % between runs, so each comparison ran *before* and *after* at the same time pinned to one
core (``taskset -c 1``, the code of :func:`compile_times` in each, ``NUMBA_CACHE_DIR`` empty), CPU s (wall s, two
processes on one core)::

    round   load   cold before    cold after     after/before   cached before / after
    1       2.5    26.3 (51.5)    22.7 (45.8)    0.865          0.84 / 0.99
    2       3.0    27.0 (54.2)    23.6 (48.6)    0.874          0.90 / 0.98
    3       3.1    30.0 (59.9)    26.7 (54.6)    0.889          0.86 / 0.97

Alone, in turn (08:01-08:02, load 2.3-2.5): before 23.3 and 26.3 s CPU, after 19.0 and 16.7 s; at load ~1
(07:07-07:10) before 18.3-21.5 s; an intermediate state (07:39-07:45) 17.6-18.4 s in its quieter runs. Cached:
0.87-1.11 s (goal <= 2 s, met). The goal of at most 15 s cold is still **missed**: about 0.87 of before, i.e. about
16-17 s CPU on a quiet machine. Kernel speed unchanged (``--no-compile --repeat 7``, before / after, two runs each,
07:53-07:55): A0.3 0.58, 0.53 / 0.53, 0.92 ms; B0.3 2.28, 1.87 / 1.70, 1.93; B0.6 1.22, 1.05 / 0.96, 1.00; C0.3
2.25, 2.26 / 2.39, 2.33; C0.6 1.23, 1.21 / 1.29, 1.19.

Where the time goes (one cold compile, instrumented, not profiled: cProfile inflates the Python side): LLVM about
6.4 of 19 s (function passes 1.5 s, the module passes each caller runs again over its callees' linked code 2.7 s,
machine code 2.2 s; the kernel's own module, holding everything, 1.8 s), the rest Numba's typing and lowering. Each
typed operation (array access, operator, call) is resolved against all its templates once per pass of type inference
and once more when lowered (``getitem`` tries about ten ``@overload`` templates, each hashing the compiler flags); a
function needs at least two passes. What helped, in order (after/before of pairs run at the same time; the first two
unpinned): loop-carried ``n = 0`` counters and flags declared ``int64``/``boolean`` (``locals``) so every function
settles in 2 passes, not 3-5, and the 2-D copy loop of ``_grow`` made one flat loop (LLVM had grown it from 235 to
1226 instructions by re-optimising it at each caller; sum of the module sizes 41 k -> 37 k instructions): 0.92; no
``np.zeros`` (``np.empty`` and loops) and the kernel's buffers, bool arrays and grid cell made in
``_prep``/``_rings`` (numpy and ``min``/``max`` overloads called from the kernel compile again under its flags):
0.865-0.876 cumulative; tuple assignments of 4+ values split, no 3-value ``min``/``max``, no ``int()`` around
``math.floor``/``ceil``: ~1 % (not resolved by timing); ``no_rewrites=True``: 0.963-0.975 against the step before
(pinned).

Tried and dropped: ``_nrt=False`` on the ten functions that make no arrays (1.007-1.010: nothing); not caching the
inner functions (0.990-0.993, but the project asks ``cache=True`` everywhere); conditional expressions instead of
``max`` (a synthetic function of 40 such lines compiled in 0.43 s against 0.25-0.29 s); variable instead of literal
column indices (0.37 vs 0.40-0.47 s for 40 accesses: not worth the rewrite). A throwaway patch of numba that
optimises each library before linking its callees (no re-optimisation of linked code) saved only ~6-8 %, so a
flatter call tree would not reach the goal either. Reaching 15 s needs about a fifth less kernel code (array
accesses, operators, loops), not compiler options.

Runs of 2026-11-26 04:20-04:26 UTC (``--repeat 7 --no-compile``, load 1-2), the kernel as of 925d6cc
(*old*) and with the two changes of 377daea (*new*: raw points written only for vertices that an active
feature touches, vertex arcs kept from level to level while their facet count holds), two runs each in
turn; outputs bit-identical on 918 cases (pockets A/B/C and 150 random polygons with islands, 29 inward and
29 outward distances each)::

    pocket step   kernel ms old / new (run 1; run 2)        x shapely old / new (run 1; run 2)
    A      0.3    0.96 / 0.52;  0.56 / 0.89                  8.3 / 8.6;   8.2 / 6.1
    A      0.6    0.54 / 0.31;  0.28 / 0.35                  6.7 / 7.4;   8.1 / 12.2
    B      0.3    3.22 / 1.85;  2.72 / 2.04                  4.4 / 7.2;   4.7 / 6.4
    B      0.6    1.39 / 0.95;  1.34 / 1.04                  5.0 / 7.2;   5.4 / 7.7
    C      0.3    3.93 / 2.38;  3.57 / 2.42                  6.6 / 10.8;  7.2 / 10.7
    C      0.6    2.07 / 1.25;  1.87 / 1.39                  6.5 / 10.6;  7.1 / 9.9

B (two 96-gon islands) spent most of each level on the raw points and arcs of vertices whose features had
no kept piece any more; the 5x goal on B, missed at 4.4-4.9x in quiet rounds before, now holds at 6.4-7.7x.

Runs of 2026-11-26 02:54-02:58 UTC (``--repeat 15 --no-compile``, shared 2-core machine under load 5.3-6.7,
kernel *after* the compile-time changes of that night and *before* them (as of 14d33cc) in turn, two runs
each; the kernels' outputs are bit-identical, checked on 157 cases: pockets A/B/C and random polygons)::

    pocket step rings   kernel ms      shapely ms     pyclipper ms   x shapely    x clipper
    after
    A      0.3    90    0.54 / 1.06    6.50 / 9.85    0.87 / 1.45   11.9 / 9.3    1.60 / 1.37
    A      0.6    45    0.32 / 0.52    2.41 / 4.30    0.49 / 0.81    7.5 / 8.2    1.54 / 1.55
    B      0.3   160    2.85 / 2.88   29.62 / 19.48   2737 / 2348   10.4 / 6.8     959 / 815
    B      0.6    82    1.62 / 1.54   12.21 / 7.48    1258 / 865     7.5 / 4.9     778 / 563
    C      0.3   173    4.39 / 3.81   57.32 / 36.91  31.38 / 23.23  13.0 / 9.7    7.14 / 6.10
    C      0.6    87    2.88 / 2.10   46.15 / 17.00  31.60 / 10.23  16.0 / 8.1   10.98 / 4.87
    before
    A      0.3    90    0.83 / 0.56    6.30 / 4.63    1.23 / 0.79    7.6 / 8.3    1.48 / 1.42
    A      0.6    45    0.32 / 0.31    2.28 / 2.29    0.40 / 0.44    7.0 / 7.3    1.25 / 1.40
    B      0.3   160    2.79 / 2.88   17.87 / 18.53   1732 / 1908    6.4 / 6.4     620 / 662
    B      0.6    82    1.57 / 1.50    7.44 / 7.43     819 / 864     4.7 / 4.9     521 / 575
    C      0.3   173    3.82 / 3.91   32.13 / 35.70  18.22 / 22.18   8.4 / 9.1    4.78 / 5.68
    C      0.6    87    2.08 / 2.09   18.49 / 17.82  14.23 / 10.15   8.9 / 8.5    6.83 / 4.85
    (ms, best of 15 rounds; run 1 / run 2)

Kernel speed is unchanged (within the noise of the loaded machine); against pyclipper the goal holds
everywhere (x 1.4-1000). B at 0.6 mm against the shapely loop stays at the 5x line in quiet rounds
(4.7-4.9x before and after, 7.5x in a round where shapely was slowed more than the kernel): not improved.

Numba import + compile, measured with the code of :func:`compile_times` (fresh process, empty
``NUMBA_CACHE_DIR``, then a second process with that cache), the two kernels compiled *at the same time*
so both see the same load (02:47-02:58 UTC, load 6.5-8.3), CPU s (wall s)::

    round   cold before    cold after     after/before   cached before  cached after
    1       43.3 (199.5)   41.3 (191.5)   0.95           1.41 (7.04)    1.38 (6.89)
    2       41.3 (168.0)   38.7 (159.8)   0.94           1.26 (5.07)    1.24 (5.03)
    3       34.1 (133.8)   32.1 (128.1)   0.94           1.03 (4.08)    1.03 (4.10)

The change that helps: the inner functions (all but :func:`offset_rings_kernel`) are compiled without
CPython/C wrappers (``no_cpython_wrapper``/``no_cfunc_wrapper``); ``error_model="numpy"`` and small clean-ups
alone measured 1.00-1.01; writing the one-call helpers out in their callers (26 -> 11 compiled functions)
measured 1.04-1.08 (Numba's SSA reconstruction and other passes grow faster than linearly with a function's
size). Per phase (one cold compile, profiled): LLVM (optimisation of each function with its callees linked
in, and machine code) about 45 %, Numba typing, SSA and other passes about 35 %, lowering to LLVM IR about
20 %. The goal of at most 15 s cold is **missed**: 24.6-27.6 s CPU before at load 1.2-1.5 (23:25/23:41 UTC),
so about 23-26 s after at such load; it needs a kernel with much less code (fewer array accesses and
statements), not a different split of the same code. Cached: 1.0-1.4 s CPU (goal at most 2 s: met).

Earlier runs (2026-11-25 23:25 and 23:41 UTC, ``--repeat 7``, load ~1.2-1.5; kernel with exact crossings)::

    pocket  step rings kernel ms shapely ms pyclipper ms x shapely x clipper goal   (23:25 | 23:41)
    A        0.3    90      0.54       4.72         0.87       8.7      1.61   ok   | 0.57  5.19   1.02 ok
    A        0.6    45      0.31       2.36         0.44       7.7      1.44   ok   | 0.29  2.37   0.47 ok
    B        0.3   160      2.67      13.86      1165.61       5.2    436.99   ok   | 2.81 13.54   1148 4.8x MISS
    B        0.6    82      1.49       7.46       588.44       5.0    394.77   ok   | 1.79  7.23    620 4.0x MISS
    C        0.3   173      4.08      29.65        21.24       7.3      5.21   ok   | 3.92 27.09  19.60 ok
    C        0.6    87      1.96      13.56        10.37       6.9      5.30   ok   | 1.97 13.84  10.54 ok
    numba import + compile: cold 24.4 s wall / 24.6 s CPU | 27.4 s / 27.6 s CPU (goal <= 15 s: missed),
                            cached 1.04 s wall / 1.25 s CPU | 0.90 s / 1.12 s CPU (goal <= 2 s)

B against shapely is at the 5x line (4.0-5.2x between runs; a third run, ``--repeat 11``: 4.8x, 4.9x). The
kernel before the exact crossings, timed side by side with this one on the same machine, was 15-25 % faster
on B (B0.6 1.18 vs 1.46 ms) and ~1.7x faster on A; its docstring figures (A0.3 0.47/4.62/0.84 ms, B0.6
1.42/16.1/1431, C0.6 1.87/31.6/17.3, cold compile ~22 s CPU) were taken under other load: shapely's B
loop now times 7.2 ms, not 16.1. Cold compile times vary by +-30 % with the machine's load.

Run: ``/work/venv/bin/python benchmarks/bench_offset.py [--pockets PATH] [--repeat N] [--plan]``.
pyclipper is optional (``pip install pyclipper``; benchmark only, not a dependency).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import Polygon

from toolpath.kernels.offset import offset_polygons, offset_rings_kernel, pack_rings

__all__ = ["TOL_MM", "TOOL_RADIUS_MM", "distances", "shapely_loop", "clipper_loop", "compile_times", "main"]

TOL_MM = 0.01
TOOL_RADIUS_MM = 3.0
_SCALE = 1e4  # Clipper units per mm


def distances(poly: Polygon, step_mm: float) -> np.ndarray:
    """Inward offsets -(3, 3 + s, 3 + 2s, ...) mm, enough to empty ``poly``."""
    x0, y0, x1, y1 = poly.bounds
    n = int(math.ceil(0.5 * max(x1 - x0, y1 - y0) / step_mm)) + 2
    return -(TOOL_RADIUS_MM + step_mm * np.arange(n))


def shapely_loop(poly: Polygon, ds: np.ndarray) -> list[Any]:
    """One shapely ``buffer`` per distance, quad_segs chosen so chords stay within ``TOL_MM``."""
    out = []
    for d in ds:
        q = max(1, math.ceil((math.pi / 2) / (2 * math.acos(1 - TOL_MM / abs(d)))))
        out.append(poly.buffer(d, quad_segs=q))
    return out


def clipper_loop(pyclipper: Any, poly: Polygon, ds: np.ndarray) -> list[Any]:
    """All distances with one ``PyclipperOffset`` (round joins, ArcTolerance ``TOL_MM``)."""
    paths = [np.round(np.asarray(poly.exterior.coords)[:-1] * _SCALE).astype(np.int64).tolist()]
    paths += [np.round(np.asarray(r.coords)[:-1] * _SCALE).astype(np.int64).tolist() for r in poly.interiors]
    pco = pyclipper.PyclipperOffset()
    pco.ArcTolerance = TOL_MM * _SCALE
    pco.AddPaths(paths, pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    return [pco.Execute(d * _SCALE) for d in ds]


def _rounds(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Best time of each function in ms, the functions run in turn within each round."""
    best = {k: math.inf for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            t0 = time.perf_counter()
            f()
            best[k] = min(best[k], time.perf_counter() - t0)
    return {k: 1e3 * v for k, v in best.items()}


_COMPILE_CODE = (
    "import time\n"
    "t, c = time.perf_counter(), time.process_time()\n"
    "import numpy as np\n"
    "from toolpath.kernels.offset_kernel import offset_rings_kernel as k\n"
    "k(np.array([[0., 0], [1, 0], [0, 1]]), np.array([0, 3]), np.array([-0.1, -0.2]), 0.01)\n"
    "print(time.perf_counter() - t, time.process_time() - c)\n"
)


def compile_times() -> tuple[tuple[float, float], tuple[float, float]]:
    """(wall s, CPU s) of import + first call in a fresh process with an empty Numba cache, then again
    in a second fresh process with the cache the first one wrote."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=tmp)
        res = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", _COMPILE_CODE], env=env, capture_output=True, text=True,
                                 check=True).stdout.split()
            res.append((float(out[0]), float(out[1])))
    return res[0], res[1]


def _plan_table(data: dict[str, Any]) -> None:
    """The whole 2D plan of offset clearing (loops, finishing loop, clean-up), kernel vs shapely loops."""
    from toolpath import Pocket, Tool
    from toolpath.strategies.offset import OffsetParams, plan_offset_2d

    print(f"\n{'pocket':6} {'step':>5} {'plan kernel ms':>14} {'plan shapely ms':>15} {'chains':>6}")
    for name, p in data.items():
        pocket = Pocket(Polygon(p["outer"], p["islands"]), 0.0, -5.0)
        for step in (0.3, 0.6):
            kw = {"stepover_mm": step, "stepdown_mm": 5.0}
            plan = plan_offset_2d(pocket, Tool(6), OffsetParams(**kw))
            t = _rounds({"k": lambda: plan_offset_2d(pocket, Tool(6), OffsetParams(**kw)),  # noqa: B023
                         "s": lambda: plan_offset_2d(pocket, Tool(6), OffsetParams(**kw, use_kernel=False))},  # noqa: B023
                        1)
            print(f"{name:6} {step:5.1f} {t['k']:14.1f} {t['s']:15.1f} {len(plan.chains):6d} ({plan.loops_from})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parents[1]
    ap.add_argument("--pockets", default=str(here.parent / "shared" / "reference" / "pockets.json"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-compile", action="store_true", help="skip the compile-time subprocesses")
    ap.add_argument("--plan", action="store_true", help="also time the whole offset-clearing plan")
    a = ap.parse_args()
    try:
        import pyclipper
    except ImportError:
        pyclipper = None
    if not Path(a.pockets).is_file():
        a.pockets = "/work/shared/reference/pockets.json"
    data = json.loads(Path(a.pockets).read_text())["pockets"]
    offset_rings_kernel(np.array([[0.0, 0], [1, 0], [0, 1]]), np.array([0, 3]), np.array([-0.1]), TOL_MM)  # warm
    print(f"{'pocket':6} {'step':>5} {'rings':>5} {'kernel ms':>9} {'shapely ms':>10} {'pyclipper ms':>12} "
          f"{'x shapely':>9} {'x clipper':>9} {'goal':>4} {'+polys ms':>9} {'max area diff mm2':>17}")
    ok_all = True
    for name, p in data.items():
        poly = Polygon(p["outer"], p["islands"])
        for step in (0.3, 0.6):
            ds = distances(poly, step)
            xy, starts = pack_rings(poly)
            res = offset_rings_kernel(xy, starts, ds, TOL_MM)
            fns: dict[str, Callable[[], Any]] = {
                "k": lambda: offset_rings_kernel(xy, starts, ds, TOL_MM),  # noqa: B023
                "s": lambda: shapely_loop(poly, ds),  # noqa: B023
            }
            if pyclipper is not None:
                fns["c"] = lambda: clipper_loop(pyclipper, poly, ds)  # noqa: B023
            t = _rounds(fns, a.repeat)
            t_c = t.get("c", float("nan"))
            ok = t["s"] / t["k"] >= 5.0 and (pyclipper is None or t_c >= t["k"])
            ok_all &= ok
            t_kp = _rounds({"kp": lambda: offset_polygons(poly, ds, tolerance_mm=TOL_MM)}, 1)["kp"]  # noqa: B023
            ours = offset_polygons(poly, ds, tolerance_mm=TOL_MM)
            diff = max(abs(g.area - s.area) for g, s in zip(ours, shapely_loop(poly, ds), strict=True))
            print(f"{name:6} {step:5.1f} {len(res[1]) - 1:5d} {t['k']:9.2f} {t['s']:10.2f} {t_c:12.2f} "
                  f"{t['s'] / t['k']:9.1f} {t_c / t['k']:9.2f} {'ok' if ok else 'MISS':>4} {t_kp:9.1f} {diff:17.4f}")
    print("kernel ms: all rings, one kernel call; +polys ms: the same assembled into shapely polygons "
          "(offset_polygons); goal: x shapely >= 5 and x clipper >= 1; area diff: ours minus shapely's "
          "(ours circumscribes arcs, shapely inscribes them)")
    if pyclipper is None:
        print("pyclipper is not installed (pip install -e '.[bench]'): the goal against Clipper is not checked")
    print(("speed goals met" if pyclipper is not None else "speed goal against shapely met") if ok_all
          else "some speed goals missed")
    if a.plan:
        _plan_table(data)
    if not a.no_compile:
        (cw, cc), (kw_, kc) = compile_times()
        ok_c = cw <= 15.0 and kw_ <= 2.0
        print(f"numba import + compile: cold {cw:.1f} s wall / {cc:.1f} s CPU (goal <= 15 s), "
              f"cached {kw_:.2f} s wall / {kc:.2f} s CPU (goal <= 2 s): {'met' if ok_c else 'MISSED'}")


if __name__ == "__main__":
    main()
