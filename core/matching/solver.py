"""The assignment: as many tandems as the rules allow, then the best total score.

Small rounds solve the full mentee x slot matrix; large ones solve a candidate graph and prove the
result optimal for the full matrix with LP dual prices (column generation with a certificate).
`greedy` is the by-hand baseline the benchmark compares against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.matching.encoding import BoolArray, FloatArray, IntArray
from core.matching.model import Constraints, MatchResult, Person, Weights
from core.matching.round import _Round
from core.matching.scoring import _BLOCK_CELLS, _blocks, _Prepared

# Frozen, so one instance serves every call as a default.
NO_CONSTRAINTS = Constraints()
DEFAULT_WEIGHTS = Weights()

# Above this many mentee x slot cells (about 700 x 700) certified column generation is faster than
# the exact dense solver (see ``match``), which also needs 8 bytes a cell (1.3 s and 0.2 GB at
# 2,000 x 2,000, 12 s and 0.5 GB at 5,000 x 5,000 in docs/performance.md).
_DENSE_CELLS = 500_000
# The first candidate graph: each mentee's best mentors, each mentor's best mentees (plus its
# capacity); fewer make the later pricing rounds find many more cells, and each round is a full
# solve (24 instead of 16: four solves instead of six at 2,000 x 2,000).
_CANDIDATES = 24
_MENTOR_CANDIDATES = 24
# Cells per mentee and per mentor whose exact scores pricing keeps (see ``_Pool``): more make the
# bounds for the other cells tighter, so fewer are scored again in each round (160 made a round
# at 10,000 x 10,000 five times faster), but memory grows with it.
_POOL = 64
# Column generation: rounds before giving up for the dense solver, cells added per mentee whose
# row still holds an improving cell, how far below its prices (in points) a cell of the graph may
# be before it is dropped for the next solve (the proof prices every cell again anyway, so this
# only makes the repeated solves smaller), and the numerical tolerances of the optimality proof
# (scores are about 0-100; a total can be off by at most the number of mentees times the
# tolerance). Both grow with the rounding unit of BIG for very large rounds.
_CERTIFY_ROUNDS = 30
_ADD_PER_ROW = 16
_PRUNE: float | None = 2.0
# Share of a chunk's cells that, when the bounds cannot rule them out, makes pricing score the
# whole rows (cheaper than scoring so many cells one by one).
_ROW_PRICING = 0.125
_SLACK = 1e-9
_TOLERANCE = 1e-7


def match(
    mentors: Sequence[Person],
    mentees: Sequence[Person],
    constraints: Constraints = NO_CONSTRAINTS,
    weights: Weights = DEFAULT_WEIGHTS,
    *,
    exact: bool | None = None,
) -> MatchResult:
    """The proposal: as many tandems as the rules allow, and among those the best total score.

    Solved as an assignment problem over mentor slots (one column per unit of free capacity).
    Every allowed cell is worth ``BIG + score`` and every forbidden cell 0, with ``BIG`` larger
    than any difference of total scores, so one more tandem always beats any score gain; the
    cells worth 0 that the solver has to fill are dropped afterwards.

    ``exact=None`` solves the full matrix up to ``_DENSE_CELLS`` cells. Larger rounds start from
    a sparse graph (for every mentee its ``_CANDIDATES`` best mentors, for every mentor its best
    mentees), solve it exactly and prove the result optimal for the full matrix with LP dual
    prices, adding the cells the prices point at until the proof holds (column generation, see
    ``_solve_candidates``); the result is the same optimum as the dense solve, and its memory grows
    with the candidates (mentees + mentors) instead of the dense solver's 8 bytes a cell. Should
    the proof not succeed within ``_CERTIFY_ROUNDS`` rounds, the full matrix is solved after all.
    ``exact=True`` always uses the full matrix (SciPy's dense ``linear_sum_assignment``).
    """
    state = _Round(list(mentors), list(mentees), constraints, weights)
    free = state.free_mentees()
    slot_mentor = np.repeat(np.arange(len(state.mentors), dtype=np.int64), state.free_capacity)
    if len(free) == 0 or len(slot_mentor) == 0:
        return state.result({})
    low, high = weights.score_bounds
    big = min(len(free), len(slot_mentor)) * (high - low) + abs(low) + abs(high) + 1.0
    if exact is False or (exact is None and len(free) * len(slot_mentor) > _DENSE_CELLS):
        chosen = _solve_candidates(state, free, big)
        if chosen is not None:
            return state.result(chosen)
    return state.result(_solve_dense(state, free, slot_mentor, big))


def _solve_dense(
    state: _Round, free: IntArray, slot_mentor: IntArray, big: float
) -> dict[int, int]:
    # Costs (the solver minimises): -(BIG + score) where allowed, 0 where not.
    cost = np.zeros((len(free), len(slot_mentor)), dtype=np.float64)
    for start, stop in _blocks(len(free), len(state.mentors)):
        score, feasible = state.prepared.block(free[start:stop])
        block = np.where(feasible, -(big + score), 0.0)
        cost[start:stop] = block[:, slot_mentor]

    # Rows and columns without any allowed cell only slow the solver down.
    allowed = cost < 0
    rows = np.flatnonzero(allowed.any(axis=1))
    cols = np.flatnonzero(allowed.any(axis=0))
    del allowed
    if len(rows) == 0:
        return {}
    if len(rows) < cost.shape[0] or len(cols) < cost.shape[1]:
        cost = cost[np.ix_(rows, cols)]
    # Imported here: scipy.optimize costs 1.5 s at start-up, and most processes never match.
    from scipy.optimize import linear_sum_assignment

    r, c = linear_sum_assignment(cost)
    keep = cost[r, c] < 0
    return {
        int(free[rows[i]]): int(slot_mentor[cols[j]]) for i, j in zip(r[keep], c[keep], strict=True)
    }


def _solve_candidates(state: _Round, free: IntArray, big: float) -> dict[int, int] | None:
    """Optimal on the full matrix, proved by LP duality; None if that could not be shown.

    Column generation: solve the candidate graph exactly, derive dual prices that prove the
    solution optimal on that graph (``_duals``), then price every allowed cell of the full matrix
    against them. A cell worth more than its mentee's and its mentor's prices together could
    improve the solution, so such cells join the graph and it is solved again; when no cell is
    left, the prices certify that no assignment of the full matrix is better.

    Nothing of the size mentees x mentors is kept: one scoring pass keeps the ``_POOL`` best
    cells of every row and every column with their exact scores, and for the rest of each row
    and column only the best score among them (``_Pool``). Pricing checks the pool cells exactly
    and bounds every other cell by its row's and its column's rest, so only the few cells that
    bound cannot rule out are scored again (``_violations``). Memory grows with the pool and the
    graph, i.e. with mentees + mentors, not with their product.
    """
    capacity = state.free_capacity
    prepared = state.prepared
    n_free, n_mentors = len(free), len(state.mentors)
    has_room = capacity > 0
    pool, cells, weight, row_ok, col_ok = _score_once(
        prepared, free, has_room, _MENTOR_CANDIDATES + int(capacity.max(initial=0))
    )
    # At least this many mentees stay alone in any assignment.
    spare = n_free - min(int(row_ok.sum()), int(capacity[col_ok].sum()))
    e_idx, m_idx = np.divmod(cells, n_mentors)

    slack = max(_SLACK, 8 * float(np.spacing(big)))
    tolerance = max(_TOLERANCE, 1024 * float(np.spacing(big)))
    duals: tuple[FloatArray, FloatArray] | None = None
    for _ in range(_CERTIFY_ROUNDS):
        assigned = _solve_sparse(e_idx, m_idx, weight, capacity, n_free, spare, big)
        # The cells only grow, so later optima leave at most as many mentees alone.
        spare = int((assigned < 0).sum())
        duals = _duals(e_idx, m_idx, weight + big, assigned, capacity, duals, slack)
        if duals is None:
            return None
        u, v = duals
        reduced = weight + big - u[e_idx] - v[m_idx]
        found = _violations(prepared, free, pool, has_room, big, duals, tolerance, cells)
        if len(found[0]) == 0:
            if (reduced > tolerance).any():  # only rounding noise left to price: cannot prove it
                return None
            return {int(free[e]): int(assigned[e]) for e in np.flatnonzero(assigned >= 0)}
        add_cells, add_weight = found
        if _PRUNE is not None:
            keep = (reduced >= -_PRUNE) | (assigned[e_idx] == m_idx)
            cells, e_idx, m_idx, weight = cells[keep], e_idx[keep], m_idx[keep], weight[keep]
        add_e, add_m = np.divmod(add_cells, n_mentors)
        order = np.argsort(np.concatenate((cells, add_cells)), kind="stable")
        cells = np.concatenate((cells, add_cells))[order]
        e_idx = np.concatenate((e_idx, add_e))[order]
        m_idx = np.concatenate((m_idx, add_m))[order]
        weight = np.concatenate((weight, add_weight))[order]
    return None


@dataclass
class _Pool:
    """The cells pricing checks exactly, and bounds for all others.

    ``cells`` (flat mentee * mentors + mentor; a cell among the best of both its row and its
    column comes twice) are the ``_POOL`` best allowed cells of every row and of every column,
    ``score`` their exact scores. ``row_bound[e]`` is the best
    score of mentee e's cells outside its row's best, ``col_bound[m]`` the same for mentor m's
    column (-inf: none allowed). A cell outside the pool is outside both its row's and its
    column's best, so neither bound undercuts its score.
    """

    cells: IntArray
    score: FloatArray
    row_bound: FloatArray
    col_bound: FloatArray

    def __post_init__(self) -> None:
        # Split once: pricing reads them in every round.
        self.mentee, self.mentor = np.divmod(self.cells, len(self.col_bound))


def _score_once(
    prepared: _Prepared, free: IntArray, has_room: BoolArray, mentor_candidates: int
) -> tuple[_Pool, IntArray, FloatArray, BoolArray, BoolArray]:
    """The one pass over the full matrix: the pool, the first candidate graph (each mentee's
    ``_CANDIDATES`` best mentors, each mentor's ``mentor_candidates`` best mentees, by the exact
    score; sorted cells and their scores), and which rows and columns have any allowed cell."""
    n_free, n_mentors = len(free), len(has_room)
    keep_row = min(max(_POOL, _CANDIDATES), n_mentors)
    first_row = min(_CANDIDATES, keep_row)
    row_ok = np.zeros(n_free, dtype=np.bool_)
    col_ok = np.zeros(n_mentors, dtype=np.bool_)
    row_bound = np.full(n_free, -np.inf)
    columns = _ColumnBest(max(_POOL, mentor_candidates), n_mentors)
    pool_cells: list[IntArray] = []
    pool_score: list[FloatArray] = []
    graph_cells: list[IntArray] = []
    graph_score: list[FloatArray] = []
    for start, stop in _blocks(n_free, n_mentors):
        score, feasible = prepared.block(free[start:stop])
        feasible &= has_room[None, :]
        row_ok[start:stop] = feasible.any(axis=1)
        col_ok |= feasible.any(axis=0)
        score[~feasible] = -np.inf
        columns.add(score, start)
        if keep_row < n_mentors:
            part = np.argpartition(score, n_mentors - keep_row - 1, axis=1)
            row_bound[start:stop] = np.take_along_axis(
                score, part[:, n_mentors - keep_row - 1 : n_mentors - keep_row], axis=1
            )[:, 0]
            top = part[:, n_mentors - keep_row :]
        else:
            top = np.broadcast_to(np.arange(n_mentors), score.shape)
        best = np.take_along_axis(score, top, axis=1)
        flat = np.arange(start, stop)[:, None] * n_mentors + top
        pool_cells.append(flat.ravel())
        pool_score.append(best.ravel())
        if first_row < keep_row:
            first = np.argpartition(best, keep_row - first_row, axis=1)[:, keep_row - first_row :]
            flat = np.take_along_axis(flat, first, axis=1)
            best = np.take_along_axis(best, first, axis=1)
        graph_cells.append(flat.ravel())
        graph_score.append(best.ravel())
    col_cells, col_score, col_rank, col_bound = columns.finish()
    pool_cells.append(col_cells)
    pool_score.append(col_score)
    first_col = col_rank < mentor_candidates
    graph_cells.append(col_cells[first_col])
    graph_score.append(col_score[first_col])
    cells = np.concatenate(pool_cells)
    score = np.concatenate(pool_score)
    allowed = score > -np.inf
    pool = _Pool(cells[allowed], score[allowed], row_bound, col_bound)
    cells, first = np.unique(np.concatenate(graph_cells), return_index=True)
    score = np.concatenate(graph_score)[first]
    allowed = score > -np.inf
    return pool, cells[allowed], score[allowed], row_ok, col_ok


class _ColumnBest:
    """Each column's ``keep`` best cells and the best score below them, collected block by block.

    A cell can only matter if it beats its column's ``keep``+1-th best so far (``floor``), which
    after the first blocks few do; those are appended to their column's row of a small buffer,
    and a full row makes every column keep just its keep+1 best again.
    """

    def __init__(self, keep: int, n_cols: int) -> None:
        self.keep = keep
        self.score = np.full((n_cols, 3 * (keep + 1)), -np.inf)
        self.rows = np.full((n_cols, 3 * (keep + 1)), -1, dtype=np.int64)
        self.fill = np.zeros(n_cols, dtype=np.int64)
        self.floor = np.full(n_cols, -np.inf)
        self.warm_up = True

    def add(self, score: FloatArray, start: int) -> None:
        depth = self.score.shape[1]
        if self.warm_up:
            # Until the buffer is first full every cell is taken: copied whole, transposed.
            first = int(self.fill[0])
            if first + len(score) <= depth:
                self.score[:, first : first + len(score)] = score.T
                self.rows[:, first : first + len(score)] = np.arange(start, start + len(score))
                self.fill += len(score)
                return
            self.warm_up = False
        # Transposed, so each column's new cells come together.
        by_column = np.ascontiguousarray(score.T)
        cols, rows = np.nonzero(by_column > self.floor[:, None])
        values = by_column[cols, rows]
        rows += start
        while len(cols):
            counts = np.bincount(cols, minlength=len(self.fill))
            at = self.fill[cols] + np.arange(len(cols)) - (np.cumsum(counts) - counts)[cols]
            fits = at < depth
            self.score[cols[fits], at[fits]] = values[fits]
            self.rows[cols[fits], at[fits]] = rows[fits]
            self.fill = np.minimum(self.fill + counts, depth)
            if fits.all():
                break
            self._flush()
            left = ~fits
            left[left] = values[left] > self.floor[cols[left]]
            cols, rows, values = cols[left], rows[left], values[left]

    def _flush(self) -> None:
        depth, kept = self.score.shape[1], self.keep + 1
        top = np.argpartition(self.score, depth - kept, axis=1)[:, depth - kept :]
        self.score[:, :kept] = np.take_along_axis(self.score, top, axis=1)
        self.rows[:, :kept] = np.take_along_axis(self.rows, top, axis=1)
        self.score[:, kept:] = -np.inf
        # Kept cells may sit anywhere in the first kept places (between -inf for a column with
        # fewer), so new ones go after them.
        self.fill[:] = kept
        # The smallest of the kept (the partition puts it first); -inf until a column has kept+1.
        self.floor = self.score[:, 0].copy()

    def finish(self) -> tuple[IntArray, FloatArray, IntArray, FloatArray]:
        """Flat cells, scores and ranks (0: best) of each column's ``keep`` best, and each
        column's bound for the rest."""
        self._flush()
        n_cols, kept = len(self.fill), self.keep + 1
        order = np.argsort(-self.score[:, :kept], axis=1, kind="stable")
        score = np.take_along_axis(self.score[:, :kept], order, axis=1)
        rows = np.take_along_axis(self.rows[:, :kept], order, axis=1)
        rank = np.broadcast_to(np.arange(self.keep)[None, :], (n_cols, self.keep))
        cells = rows[:, : self.keep] * n_cols + np.arange(n_cols)[:, None]
        return (
            cells.ravel(),
            score[:, : self.keep].ravel(),
            rank.ravel(),
            score[:, self.keep].copy(),
        )


def _solve_sparse(
    e_idx: IntArray, m_idx: IntArray, weight: FloatArray, capacity: IntArray, n_free: int,
    spare: int, big: float,
) -> IntArray:  # fmt: skip
    """The best assignment on the given cells: mentor index per free mentee, -1 if none."""
    # One column per slot; an edge to a mentor becomes an edge to each of their slots.
    first_slot = np.concatenate(([0], np.cumsum(capacity)))
    copies = capacity[m_idx]
    e_rep = np.repeat(e_idx, copies)
    offsets = np.arange(int(copies.sum())) - np.repeat(np.cumsum(copies) - copies, copies)
    s_rep = np.repeat(first_slot[m_idx], copies) + offsets
    w_rep = np.repeat(weight, copies)
    n_slots = int(first_slot[-1])
    # Columns for staying alone make a full matching exist. At most ``spare`` mentees stay alone
    # in the optimum (if the cells allow as many tandems as the full matrix), so that many shared
    # columns open to every mentee suffice and keep the graph small; if the cells fall short (the
    # solver finds no full matching), every mentee gets a private column instead. Costs are
    # shifted by 2*BIG per row (every row is matched exactly once): big - score for a tandem,
    # 2*BIG for staying alone; all positive, so no edge is mistaken for a missing one.
    if spare * n_free <= len(e_rep):
        alone_rows = np.repeat(np.arange(n_free), spare)
        alone_cols = n_slots + np.tile(np.arange(spare), n_free)
        try:
            return _full_matching(
                (e_rep, s_rep, big - w_rep), (alone_rows, alone_cols, spare), n_free, capacity, big
            )
        except ValueError:
            pass
    alone = np.arange(n_free)
    return _full_matching(
        (e_rep, s_rep, big - w_rep), (alone, n_slots + alone, n_free), n_free, capacity, big
    )


def _full_matching(
    tandems: tuple[IntArray, IntArray, FloatArray],
    alone: tuple[IntArray, IntArray, int],
    n_free: int,
    capacity: IntArray,
    big: float,
) -> IntArray:
    """Mentor per mentee (-1: alone) of the cheapest full matching; ValueError if there is none.

    ``tandems`` are (mentee, slot, cost) edges, ``alone`` (mentee, column, count) edges to the
    ``count`` columns after the slots that stand for staying alone.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    rows, slots, cost = tandems
    alone_rows, alone_cols, n_alone = alone
    n_mentors = len(capacity)
    n_slots = int(capacity.sum())
    edge_cost = np.concatenate((cost, np.full(len(alone_rows), 2 * big)))
    edge_row = np.concatenate((rows, alone_rows))
    edge_col = np.concatenate((slots, alone_cols))
    if n_free == n_slots + n_alone:
        # Square: solved with the slots as rows, which took 0.17-0.21 s instead of 0.29-0.40 s
        # for the later graphs at 5,000 x 5,000 (0.57 s instead of 0.69 s for the first), same
        # optimum. SciPy runs its initial greedy phase only for square graphs; which side is the
        # rows changes how much the shortest-path phase is left with (docs/performance.md).
        # Not square, SciPy would transpose it back, so it is passed as it is.
        graph = csr_matrix((edge_cost, (edge_col, edge_row)), shape=(n_free, n_free))
        cols_matched, rows_matched = min_weight_full_bipartite_matching(graph)
    else:
        graph = csr_matrix((edge_cost, (edge_row, edge_col)), shape=(n_free, n_slots + n_alone))
        rows_matched, cols_matched = min_weight_full_bipartite_matching(graph)
    real = cols_matched < n_slots
    slot_owner = np.repeat(np.arange(n_mentors, dtype=np.int64), capacity)
    assigned = np.full(n_free, -1, dtype=np.int64)
    assigned[rows_matched[real]] = slot_owner[cols_matched[real]]
    return assigned


def _duals(
    e_idx: IntArray,
    m_idx: IntArray,
    value: FloatArray,
    assigned: IntArray,
    capacity: IntArray,
    start: tuple[FloatArray, FloatArray] | None,
    slack: float,
) -> tuple[FloatArray, FloatArray] | None:
    """Prices u >= 0 per mentee and v >= 0 per mentor that prove ``assigned`` optimal on the cells.

    The conditions (u_e + v_m >= value on every cell, with equality on the chosen ones; u_e = 0
    for a mentee left alone, v_m = 0 for a mentor with a free slot) are difference constraints
    on the potentials u_e, -v_m and 0 for a root node: an arc x -> y of length c stands for
    p(y) <= p(x) + c. Any fixed point of Bellman-Ford relaxation satisfies them all; it exists
    exactly when there is no negative cycle, i.e. when ``assigned`` is optimal, which the exact
    solver guarantees up to rounding (else None). ``start`` (the previous round's prices) only
    speeds it up.
    """
    n_free, n_mentors = len(assigned), len(capacity)
    root = n_free + n_mentors
    mentor_node = n_free + m_idx
    chosen = assigned[e_idx] == m_idx
    load = np.bincount(assigned[assigned >= 0], minlength=n_mentors)
    alone = np.flatnonzero(assigned < 0)
    has_room = np.flatnonzero(load < capacity)
    every_mentee = np.arange(n_free, dtype=np.int64)
    every_mentor = n_free + np.arange(n_mentors, dtype=np.int64)
    # Arcs into mentors, then arcs into mentees and the root: relaxed alternately.
    to_mentors = _Arcs(
        np.concatenate((e_idx, np.full(n_mentors, root))),
        np.concatenate((mentor_node, every_mentor)),
        # u_e + v_m >= value - slack on every cell; v_m >= 0
        np.concatenate((slack - value, np.zeros(n_mentors))),
    )
    to_mentees = _Arcs(
        np.concatenate(
            (mentor_node[chosen], np.full(len(alone), root), every_mentee, n_free + has_room)
        ),
        np.concatenate((e_idx[chosen], alone, np.full(n_free, root), np.full(len(has_room), root))),
        # u_e + v_m <= value where chosen; u_e <= 0 when alone; u_e >= 0; v_m <= 0 with room
        np.concatenate((value[chosen], np.zeros(len(alone) + n_free + len(has_room)))),
    )
    potential = np.zeros(root + 1, dtype=np.float64)
    if start is not None:
        potential[:n_free], potential[n_free:root] = start[0], -start[1]
    for _ in range(root + 2):
        changed = to_mentors.relax(potential)
        changed |= to_mentees.relax(potential)
        if not changed:
            potential -= potential[root]
            return potential[:n_free], -potential[n_free:root]
    return None  # a negative cycle


@dataclass
class _Arcs:
    """Arcs grouped by head, for vectorised relaxation p(head) <= p(tail) + length."""

    tails: IntArray
    heads: IntArray
    lengths: FloatArray

    def __post_init__(self) -> None:
        order = np.argsort(self.heads, kind="stable")
        self.tails, self.heads, self.lengths = (
            self.tails[order],
            self.heads[order],
            self.lengths[order],
        )
        first = np.ones(len(self.heads), dtype=np.bool_)
        first[1:] = self.heads[1:] != self.heads[:-1]
        self._starts = np.flatnonzero(first)
        self._targets = self.heads[self._starts]

    def relax(self, potential: FloatArray) -> bool:
        if len(self.tails) == 0:
            return False
        best = np.minimum.reduceat(potential[self.tails] + self.lengths, self._starts)
        better = best < potential[self._targets]
        if not better.any():
            return False
        potential[self._targets[better]] = best[better]
        return True


def _violations(
    prepared: _Prepared,
    free: IntArray,
    pool: _Pool,
    has_room: BoolArray,
    big: float,
    duals: tuple[FloatArray, FloatArray],
    tolerance: float,
    graph: IntArray,
) -> tuple[IntArray, FloatArray]:
    """Cells outside the sorted ``graph`` whose exact value exceeds their prices by more than
    ``tolerance`` (the best ``_ADD_PER_ROW`` of each such mentee), with their scores.

    Every cell is accounted for: pool cells are priced with their exact scores; any other cell
    scores at most min(row_bound[e], col_bound[m]), so it can only be worth its prices if
    v[m] < row_bound[e] - (u[e] - big) and u[e] - big < col_bound[m] - v[m]. With the mentors
    sorted by v the first condition is a prefix of them for each mentee, and only the cells of
    that prefix that also pass the second are scored exactly (whole rows when most of a row
    would be).
    """
    u, v = duals
    n_mentors = len(v)
    reduced = pool.score + (big - u[pool.mentee]) - v[pool.mentor]
    bad = reduced > tolerance
    found = [(pool.cells[bad], pool.score[bad], reduced[bad])]

    offset = u - big
    by_price = np.argsort(v, kind="stable")
    price = v[by_price]
    # Rounding in these sums is far below ``tolerance``, which every cell found must exceed.
    rest = pool.col_bound[by_price] - price
    reach = np.searchsorted(price, pool.row_bound - offset, side="left")
    rows = np.flatnonzero(reach > 0)
    rows = rows[np.argsort(reach[rows], kind="stable")]
    budget = 2 * _BLOCK_CELLS
    start = 0
    while start < len(rows):
        # Rows by increasing reach, as many as fill the budget (at least one).
        widths = reach[rows[start:]]
        stop = start + max(1, int(np.searchsorted(np.cumsum(widths), budget, side="right")))
        chunk = rows[start:stop]
        start = stop
        width = int(reach[chunk[-1]])
        mask = rest[None, :width] > offset[chunk, None]
        mask &= np.arange(width)[None, :] < reach[chunk, None]
        local, column = np.nonzero(mask)
        if len(local) > _ROW_PRICING * len(chunk) * n_mentors:
            # Far from the optimum many cells are suspect: price whole rows exactly instead.
            found.append(_row_violations(prepared, free, chunk, has_room, big, duals, tolerance))
            continue
        es, ms = chunk[local], by_price[column]
        score, feasible = prepared.cells(free[es], ms)
        reduced = score + (big - u[es]) - v[ms]
        bad = feasible & has_room[ms] & (reduced > tolerance)
        found.append((es[bad] * n_mentors + ms[bad], score[bad], reduced[bad]))

    cells = np.concatenate([f[0] for f in found])
    score = np.concatenate([f[1] for f in found])
    reduced = np.concatenate([f[2] for f in found])
    # Graph cells are the solver's business (worth more only by rounding), pool cells found by
    # whole-row pricing are already in the first part.
    cells, first = np.unique(cells, return_index=True)
    score, reduced = score[first], reduced[first]
    if len(graph):
        at = np.minimum(np.searchsorted(graph, cells), len(graph) - 1)
        new = graph[at] != cells
        cells, score, reduced = cells[new], score[new], reduced[new]
    # The best _ADD_PER_ROW of each mentee.
    e_idx = cells // n_mentors
    order = np.lexsort((-reduced, e_idx))
    e_sorted = e_idx[order]
    first = np.searchsorted(e_sorted, e_sorted, side="left")
    take = np.sort(order[np.arange(len(order)) - first < _ADD_PER_ROW])
    return cells[take], score[take]


def _row_violations(
    prepared: _Prepared,
    free: IntArray,
    rows: IntArray,
    has_room: BoolArray,
    big: float,
    duals: tuple[FloatArray, FloatArray],
    tolerance: float,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """The best _ADD_PER_ROW cells above their prices of each mentee in ``rows`` (cells, scores,
    values above the prices), scored by blocks."""
    u, v = duals
    n_mentors = len(v)
    k = min(_ADD_PER_ROW, n_mentors)
    found: list[tuple[IntArray, FloatArray, FloatArray]] = []
    for first, last in _blocks(len(rows), n_mentors):
        part = rows[first:last]
        score, feasible = prepared.block(free[part])
        reduced = score + (big - u[part, None]) - v[None, :]
        reduced[~(feasible & has_room[None, :])] = -np.inf
        top = np.argpartition(reduced, n_mentors - k, axis=1)[:, n_mentors - k :]
        value = np.take_along_axis(reduced, top, axis=1)
        bad = value > tolerance
        cells = (part[:, None] * n_mentors + top)[bad]
        found.append((cells, np.take_along_axis(score, top, axis=1)[bad], value[bad]))
    return (
        np.concatenate([f[0] for f in found]),
        np.concatenate([f[1] for f in found]),
        np.concatenate([f[2] for f in found]),
    )


def greedy(
    mentors: Sequence[Person],
    mentees: Sequence[Person],
    constraints: Constraints = NO_CONSTRAINTS,
    weights: Weights = DEFAULT_WEIGHTS,
) -> MatchResult:
    """The baseline a coordinator would do by hand: best remaining pair first.

    Kept to show what the optimisation buys (see bench/matching.py), not used by the bot.
    """
    state = _Round(list(mentors), list(mentees), constraints, weights)
    free = state.free_mentees()
    n_mentors = len(state.mentors)
    capacity = state.free_capacity.copy()
    if len(free) == 0 or capacity.sum() == 0:
        return state.result({})
    ranked = np.full((len(free), n_mentors), np.inf)
    for start, stop in _blocks(len(free), n_mentors):
        score, feasible = state.prepared.block(free[start:stop])
        ranked[start:stop] = np.where(feasible & (capacity > 0)[None, :], -score, np.inf)
    order = np.argsort(ranked, axis=None, kind="stable")
    flat = ranked.ravel()
    usable = int(np.searchsorted(flat[order], np.inf))
    del ranked, flat

    taken = np.zeros(len(free), dtype=np.bool_)
    chosen: dict[int, int] = {}
    left_to_place = min(len(free), int(capacity.sum()))
    chunk = 1 << 16
    for start in range(0, usable, chunk):
        cells = order[start : min(usable, start + chunk)]
        e_idx, m_idx = np.divmod(cells, n_mentors)
        # Most cells are dead by the time they come up; filter them in bulk, check the rest one
        # by one since taking a pair changes what is still possible within the chunk.
        alive = ~taken[e_idx] & (capacity[m_idx] > 0)
        for e, m in zip(e_idx[alive].tolist(), m_idx[alive].tolist(), strict=True):
            if taken[e] or capacity[m] <= 0:
                continue
            taken[e] = True
            capacity[m] -= 1
            chosen[int(free[e])] = m
            left_to_place -= 1
        if left_to_place == 0:
            break
    return state.result(chosen)
