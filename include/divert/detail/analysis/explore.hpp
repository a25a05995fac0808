#pragma once
// Guided case splitting (DESIGN §9): bind a box's facts (everything unknown at first), ask an
// oracle (two policies' decisions, or one rule's value) whether the answer is definite; when it
// is not, split the box on one of the facts the oracle says are missing, into the classes of
// the space, and recurse. Leaves are boxes with a definite answer. The three-valued evaluator
// guarantees that an answer definite with a fact unknown (or known only as an interval) holds
// for every value of it, so the leaves partition the case space exactly.
//
// The oracle:
//   bool probe(const value* slots, probe_result& r)   definite? and if not, the missing facts
//   bool leaf(const box& b, bool exact)                record a leaf; false stops the search

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "divert/detail/analysis/space.hpp"

namespace divert::detail::analysis {

struct probe_result {
  bool definite = false;
  std::vector<std::string> missing;       // facts that could change the answer (any side)
  std::vector<std::string> missing_both;  // ... missing for every side of the oracle
  void clear() {
    definite = false;
    missing.clear();
    missing_both.clear();
  }
};

struct explore_stats {
  std::size_t nodes = 0, leaves = 0, inexact = 0;
  bool stopped = false;    // the oracle asked to stop
  bool truncated = false;  // the leaf limit was reached
};

template <class Oracle>
class explorer {
 public:
  explorer(const space& s, Oracle& o, std::size_t max_leaves = 2000000) : s_(s), o_(o), max_leaves_(max_leaves) {}

  explore_stats run() { return run(s_.full()); }

  explore_stats run(const box& start) {
    stats_ = {};
    go(start, 0);
    return stats_;
  }

 private:
  struct split {
    int dim = -1;    // a fact's dimension
    int array = -1;  // or an array's count dimensions, all at once
    bool refine = false;
    std::size_t branches = 0;
    bool both = false;
  };

  bool done() const { return stats_.stopped || stats_.truncated; }

  void go(const box& b, int depth) {
    if (done()) return;
    ++stats_.nodes;
    s_.bind(b, slots_, mem_);
    result_.clear();
    bool definite = o_.probe(slots_.data(), result_);
    if (definite) {
      leaf(b, true);
      return;
    }
    split best = choose(b);
    if (best.branches == 0 || depth > 400) {
      ++stats_.inexact;
      leaf(b, false);
      return;
    }
    if (best.array >= 0) {
      const array_space& a = s_.arrays[static_cast<std::size_t>(best.array)];
      std::vector<std::size_t> at(a.dims.size(), 0);
      for (;;) {
        box next = b;
        for (std::size_t k = 0; k < a.dims.size(); ++k) {
          constraint& c = next.c[static_cast<std::size_t>(a.dims[k])];
          std::fill(c.set.begin(), c.set.end(), false);
          c.set[at[k]] = true;
          c.bound = true;
        }
        go(next, depth + 1);
        if (done()) return;
        std::size_t k = 0;
        for (; k < a.dims.size(); ++k) {
          if (++at[k] < s_.dims[static_cast<std::size_t>(a.dims[k])].choices.size()) break;
          at[k] = 0;
        }
        if (k == a.dims.size()) break;
      }
      return;
    }
    const dimension& d = s_.dims[static_cast<std::size_t>(best.dim)];
    const constraint& c = b.c[static_cast<std::size_t>(best.dim)];
    if (best.refine) {
      span lo = c.iv, hi = c.iv;
      if (d.integral) {
        double mid = std::floor((c.iv.lo + c.iv.hi) / 2);
        lo.hi = mid;
        hi.lo = mid + 1;
      } else {
        double mid = (c.iv.lo + c.iv.hi) / 2;
        lo.hi = mid;
        lo.hi_open = false;
        hi.lo = mid;
        hi.lo_open = true;
      }
      for (const span& part : {lo, hi}) {
        box next = b;
        next.c[static_cast<std::size_t>(best.dim)].iv = part;
        next.c[static_cast<std::size_t>(best.dim)].bound = true;
        go(next, depth + 1);
        if (done()) return;
      }
      return;
    }
    if (d.kind == dim_kind::number) {
      for (const span& atom : d.atoms) {
        box next = b;
        next.c[static_cast<std::size_t>(best.dim)].iv = atom;
        next.c[static_cast<std::size_t>(best.dim)].bound = true;
        go(next, depth + 1);
        if (done()) return;
      }
      return;
    }
    for (std::size_t k = 0; k < d.choices.size(); ++k) {
      if (!c.set[k]) continue;
      box next = b;
      constraint& nc = next.c[static_cast<std::size_t>(best.dim)];
      std::fill(nc.set.begin(), nc.set.end(), false);
      nc.set[k] = true;
      nc.bound = true;
      go(next, depth + 1);
      if (done()) return;
    }
  }

  void leaf(const box& b, bool exact) {
    ++stats_.leaves;
    if (!o_.leaf(b, exact)) stats_.stopped = true;
    if (stats_.leaves >= max_leaves_) stats_.truncated = true;
  }

  // The missing fact to split on: one missing for every side first, then the fewest branches.
  split choose(const box& b) const {
    split best;
    auto consider = [&](split s) {
      if (s.branches == 0) return;
      auto rank = [](const split& x) {
        return std::make_tuple(x.both ? 0 : 1, x.branches, x.dim >= 0 ? x.dim : 100000 + x.array);
      };
      if (best.branches == 0 || rank(s) < rank(best)) best = s;
    };
    for (const auto& path : result_.missing) {
      bool both = std::binary_search(result_.missing_both.begin(), result_.missing_both.end(), path);
      auto it = s_.dim_of_path.find(path);
      if (it != s_.dim_of_path.end()) {
        consider(scalar_split(b, it->second, both));
        continue;
      }
      for (std::size_t a = 0; a < s_.arrays.size(); ++a) {
        const array_space& arr = s_.arrays[a];
        bool whole = path == arr.path;
        bool inside = path.size() > arr.path.size() && path.compare(0, arr.path.size(), arr.path) == 0 &&
                      path[arr.path.size()] == '.';
        if (!whole && !inside) continue;
        if (!s_.array_bound(arr, b)) {
          split sp;
          sp.array = static_cast<int>(a);
          sp.both = both;
          sp.branches = 1;
          for (int d : arr.dims) sp.branches *= s_.dims[static_cast<std::size_t>(d)].choices.size();
          if (arr.dims.empty()) sp.branches = 0;
          consider(sp);
        } else {
          // An item's field is missing: the case facts its classes are built relative to.
          for (int o : arr.outer) {
            auto od = s_.dim_of_path.find(s_.schema->slots[static_cast<std::size_t>(o)]->path);
            if (od != s_.dim_of_path.end()) consider(scalar_split(b, od->second, both));
          }
        }
      }
    }
    return best;
  }

  split scalar_split(const box& b, int dim, bool both) const {
    split sp;
    sp.dim = dim;
    sp.both = both;
    const dimension& d = s_.dims[static_cast<std::size_t>(dim)];
    const constraint& c = b.c[static_cast<std::size_t>(dim)];
    if (d.kind == dim_kind::count) return split{};
    if (!c.bound) {
      std::size_t n = d.size();
      if (d.kind == dim_kind::number && n <= 1) {
        sp.refine = true;
        n = 2;
      }
      sp.branches = n;
      if (d.kind == dim_kind::number && sp.refine && !(c.iv.hi > c.iv.lo)) sp.branches = 0;
      return sp;
    }
    if (d.kind == dim_kind::number && !d.pointwise) {
      bool wide = d.integral ? c.iv.hi > c.iv.lo : (c.iv.hi - c.iv.lo) > 1e-6;
      if (wide) {
        sp.refine = true;
        sp.branches = 2;
        return sp;
      }
    }
    return split{};
  }

  const space& s_;
  Oracle& o_;
  std::size_t max_leaves_;
  explore_stats stats_;
  std::vector<value> slots_;
  arena mem_{4096};
  probe_result result_;
};

}  // namespace divert::detail::analysis
